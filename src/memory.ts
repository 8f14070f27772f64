import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * Sets how far the heap may grow (old and young generations), and gives memory back to the system
 * after a large change (an import, a reload of thousands of
 * regions). V8 collects old garbage only when allocation asks for it, so a gateway that has just
 * imported 10,000 regions and then serves cached reads (which allocate little) or sits idle would
 * keep the import's few hundred MiB indefinitely (measured: 556 MiB a minute after an import that
 * leaves ~150 MiB live). Shortly after the last large change, two full collections (the second
 * one releases the pages the first emptied) bring the process back to what it holds. Each takes
 * tens of milliseconds with 10,000 regions and happens once per burst of large changes.
 *
 * `global.gc` is Node's own (`--expose-gc`), here switched on at run time so that every way of
 * starting the gateway (`npm start`, the bin, systemd) gets it.
 */
export function memoryReleaser(delayMs = 1_000): () => void {
  // Old-generation growth between collections: V8 lets the heap grow up to 4× what was live after
  // the last one (a 10,000-region import then peaks near 640 MiB, of which 150 are live); 1.2×
  // keeps the peak near 300 MiB for a few per cent more collection time (README, Performance).
  setFlagsFromString(`--heap-growing-percent=${steadyGrowingPercent}`);
  // The young generation starts at 1 MiB per semi-space and doubles under load up to 16: after a
  // burst (an import, a reload) it stays at 32 MiB. Kept at its start size, reads are as fast
  // (measured) and a 10,000-region catalogue costs ~30 MiB less resident memory; an import spends
  // ~15% more CPU collecting.
  setFlagsFromString("--semi-space-growth-factor=1");
  let gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    try {
      setFlagsFromString("--expose-gc");
      gc = runInNewContext("gc") as () => void;
    } catch {
      gc = undefined;
    }
  }
  const collect = gc;
  if (!collect) return () => {};
  let timer: NodeJS.Timeout | null = null;
  return () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      collect();
      timer = setTimeout(() => {
        timer = null;
        collect();
      }, delayMs);
      timer.unref();
    }, delayMs);
    timer.unref();
  };
}

/** The old generation's growth between collections, as a percentage: steady, and during large work. */
const steadyGrowingPercent = 20;
const largeWorkGrowingPercent = 50;

/**
 * Wraps large work (an import: tens of MiB read, parsed, sealed and written in seconds) in a
 * looser heap limit: the old generation may grow by half of what is live between collections
 * rather than a fifth. At a fifth, V8 marks almost without pause through such work (its GC
 * threads took 1.4–1.9 s of CPU for a 10,000-region import, the main thread 2 s); at half, 1.0–1.1 s,
 * the peak unchanged (it is the document's text and its parse, live either way). The steady
 * setting is back once the last such work ends (the memory releaser then gives the garbage back).
 */
export function largeWorkHeap(): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  return async (work) => {
    if (running++ === 0) setFlagsFromString(`--heap-growing-percent=${largeWorkGrowingPercent}`);
    try {
      return await work();
    } finally {
      if (--running === 0) setFlagsFromString(`--heap-growing-percent=${steadyGrowingPercent}`);
    }
  };
}
