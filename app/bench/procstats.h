#pragma once

#include <QtGlobal>

namespace Herald::Bench {

// One reading of a process's CPU time and memory from /proc (Linux).
class ProcStats
{
public:
    // Reads /proc/<pid>/stat (utime + stime) and /proc/<pid>/status (VmRSS, VmHWM).
    static ProcStats read(qint64 pid);
    // This process, from getrusage (finer than clock ticks) and /proc/self/status.
    static ProcStats self();
    // CPU time the whole machine spent busy so far, all cores (user, nice, system, irq, softirq,
    // steal from /proc/stat): what else ran during a run shows as machine - server - bench.
    static qint64 machineBusyNs();
    // CPU time of the kernel's ksoftirqd threads so far. Network receive work that cannot run
    // inline (a saturated machine) is done there and charged to neither server nor bench.
    static qint64 softirqThreadsNs();

    bool valid = false;
    qint64 cpuNs = 0; // user + system CPU time of all threads so far
    qint64 rssKb = 0; // resident set now
    qint64 hwmKb = 0; // peak resident set since the process started
    int threads = 0;
};

} // namespace Herald::Bench
