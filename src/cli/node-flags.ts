// Node flags every logbench process that generates load runs with (the `logbench` bin, the npm
// scripts, and the runs that ab, calibrate and profile start; forked replicas inherit them).
//
// --single-threaded-gc: V8 collects on the thread that allocates, without helper threads. On two
// cores, four busy JavaScript threads (three replicas and the load generator) leave V8's GC
// helpers no core, and the thread whose scavenge waits for them stalls: the generator's
// scavenges took 8-20 ms (--trace-gc), and the default scenario's open phase issued 0.7-1.5% of
// its ops more than 10 ms late (6 runs; 4 over the 1% bound, so their numbers were withheld).
// With the flag: 0-0.2% late (5 runs; lag p99 3.4-6.7 ms against 9.8-10.2), and closed-loop
// throughput unchanged (quick-engine, 4 interleaved pairs: 42.8k vs 42.9k commits/s mean, p99
// 12.2-12.6 ms against 12.9-16.5 ms).
export const LOAD_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];
