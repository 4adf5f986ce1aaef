//! The least any scanner must do on a directory tree: list it and read every file,
//! the reading spread over the machine's cores. `scripts/bench-vs-checkov` times it
//! beside reviewgate and Checkov, so a speed ratio can be read against the floor
//! the file system sets (on thousands of small files, most of a fast scan's time).
//!
//!   rustc -O read-floor.rs && ./read-floor DIR
use std::fs;
use std::path::{Path, PathBuf};

fn list(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        match entry.file_type() {
            Ok(t) if t.is_dir() => list(&entry.path(), files),
            Ok(_) => files.push(entry.path()),
            Err(_) => {}
        }
    }
}

fn main() {
    let root = std::env::args().nth(1).expect("usage: read-floor DIR");
    let mut files = Vec::new();
    list(Path::new(&root), &mut files);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let bytes: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(files.len().div_ceil(threads).max(1))
            .map(|chunk| scope.spawn(move || chunk.iter().map(|f| fs::read(f).map_or(0, |b| b.len())).sum::<usize>()))
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    println!("{} files, {bytes} bytes", files.len());
}
