//! The OCR workers: one thread per worker, living as long as the reader,
//! each owning its Tesseract engines. A batch of line reads is shared out
//! among them and the caller waits for all of it.
//!
//! Why threads that live: every thread that calls OpenCV gets per-thread
//! data (`cv::TLSDataContainer`, behind `cv::parallel_for_`, which
//! `cv::resize` uses) that OpenCV keeps until the process ends. When the
//! workers were scoped threads started for each batch, a kiosk kept a few
//! kilobytes more after every card it read (heaptrack, issue 14:
//! `cv::TLSDataContainer::getData` under `Engines::read_with`, 727 blocks
//! for 150 patients); with a pool it is one set per worker, for good.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread::JoinHandle;

use opencv::core::{Mat, Rect};
use opencv::prelude::*;

use crate::Error;
use crate::camera::Wiped;
use crate::ocr::{Engines, LineText, Model, Options};

/// One line read: where on which image, with which model.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Task {
    /// On the image with the strikes painted out (else the clean one).
    pub(crate) unstruck: bool,
    /// The part of the page.
    pub(crate) rect: Rect,
    /// The model.
    pub(crate) model: Model,
    /// The height the line is scaled to (at least).
    pub(crate) height: i32,
    /// How it is read.
    pub(crate) options: Options,
}

/// A batch: copies of the page's images (wiped when the batch is dropped),
/// the tasks, the next task to take, the results, and the workers done.
struct Batch {
    clean: Wiped,
    unstruck: Wiped,
    tasks: Vec<Task>,
    next: AtomicUsize,
    results: Vec<Mutex<Option<Result<LineText, Error>>>>,
    done: Mutex<usize>,
    finished: Condvar,
}

/// Counts its worker done when dropped, even if the worker panicked.
struct Done<'b>(&'b Batch);

impl Drop for Done<'_> {
    fn drop(&mut self) {
        if let Ok(mut done) = self.0.done.lock() {
            *done += 1;
        }
        self.0.finished.notify_all();
    }
}

/// The running workers.
pub(crate) struct OcrPool {
    senders: Vec<mpsc::Sender<Arc<Batch>>>,
    threads: Vec<JoinHandle<()>>,
}

impl OcrPool {
    /// Starts one worker thread for each set of engines.
    pub(crate) fn start(engines: Vec<Engines>) -> Result<Self, Error> {
        let (mut senders, mut threads) = (Vec::new(), Vec::new());
        for (i, mut engines) in engines.into_iter().enumerate() {
            let (tx, rx) = mpsc::channel::<Arc<Batch>>();
            let thread = std::thread::Builder::new()
                .name(format!("ocr-{i}"))
                .spawn(move || {
                    for batch in rx {
                        let _done = Done(&batch);
                        work(&mut engines, &batch);
                    }
                })
                .map_err(|_| Error::Ocr)?;
            senders.push(tx);
            threads.push(thread);
        }
        Ok(Self { senders, threads })
    }

    /// How many workers there are.
    pub(crate) fn len(&self) -> usize {
        self.senders.len()
    }

    /// Reads every task on the workers in parallel; results in task order
    /// (`None` for a task no worker could take).
    pub(crate) fn run(
        &self,
        clean: &Mat,
        unstruck: &Mat,
        tasks: Vec<Task>,
    ) -> Result<Vec<Option<Result<LineText, Error>>>, Error> {
        let results = tasks.iter().map(|_| Mutex::new(None)).collect();
        let batch = Arc::new(Batch {
            clean: Wiped(clean.try_clone()?),
            unstruck: Wiped(unstruck.try_clone()?),
            tasks,
            next: AtomicUsize::new(0),
            results,
            done: Mutex::new(0),
            finished: Condvar::new(),
        });
        let sent = self.senders.iter().filter(|tx| tx.send(Arc::clone(&batch)).is_ok()).count();
        let done = batch.done.lock().map_err(|_| Error::Ocr)?;
        drop(batch.finished.wait_while(done, |d| *d < sent).map_err(|_| Error::Ocr)?);
        let results = batch.results.iter().map(|r| r.lock().ok().and_then(|mut r| r.take())).collect();
        Ok(results)
    }
}

fn work(engines: &mut Engines, batch: &Batch) {
    loop {
        let i = batch.next.fetch_add(1, Ordering::Relaxed);
        let Some(task) = batch.tasks.get(i) else { return };
        let image = if task.unstruck { &*batch.unstruck } else { &*batch.clean };
        let out = engines.read_with(image, task.rect, task.model, task.height, task.options);
        if let Some(slot) = batch.results.get(i)
            && let Ok(mut slot) = slot.lock()
        {
            *slot = Some(out);
        }
    }
}

impl Drop for OcrPool {
    fn drop(&mut self) {
        self.senders.clear();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use opencv::core::{CV_8UC1, Scalar};

    use super::*;

    fn task(x: i32) -> Task {
        Task {
            unstruck: x % 2 == 1,
            rect: Rect::new(x * 40, 0, 40, 30),
            model: Model::Digits,
            height: 40,
            options: Options::default(),
        }
    }

    #[test]
    fn every_task_of_every_batch_is_read_and_the_workers_wait_for_the_next() {
        let engines = (0..2).map(|_| Engines::load(None).expect("Tesseract models: run scripts/setup")).collect();
        let pool = OcrPool::start(engines).unwrap();
        let page = Mat::new_rows_cols_with_default(30, 240, CV_8UC1, Scalar::all(255.0)).unwrap();
        for _ in 0..3 {
            let results = pool.run(&page, &page, (0..6).map(task).collect()).unwrap();
            assert_eq!(results.len(), 6);
            assert!(results.iter().all(Option::is_some), "every task was taken by a worker");
        }
        assert!(pool.threads.iter().all(|t| !t.is_finished()), "the workers wait for the next batch");
    }
}
