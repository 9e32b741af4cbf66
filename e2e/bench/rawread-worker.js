// Reads the posted File with FileReaderSync over File.slice chunks and does nothing else with
// the bytes: the browser's physical read limit, the ceiling for pcapscope's worker (which reads
// the same way, then parses). See rawread.html.
'use strict';
self.onmessage = (ev) => {
  const { file, chunk } = ev.data;
  try {
    const reader = new FileReaderSync();
    const started = performance.now();
    let pos = 0;
    let bytes = 0;
    let chunks = 0;
    let firstChunkMs = null;
    while (pos < file.size) {
      const end = Math.min(pos + chunk, file.size);
      const buf = reader.readAsArrayBuffer(file.slice(pos, end));
      bytes += buf.byteLength;
      chunks += 1;
      if (firstChunkMs === null) firstChunkMs = performance.now() - started;
      pos = end;
    }
    self.postMessage({ bytes, chunks, size: file.size, workerMs: performance.now() - started, firstChunkMs });
  } catch (e) {
    self.postMessage({ error: String(e) });
  }
};
self.postMessage({ ready: true });
