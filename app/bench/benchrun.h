#pragma once

#include "benchoptions.h"
#include "benchreport.h"
#include "procstats.h"

#include <QtGlobal>

namespace Herald::Bench {

class LoopbackUrl;
class SubscriberPool;

// One benchmark run from start to end: raise the open-files limit, start (or find) the server,
// connect the clients, publish (or sit idle), drain, read the server's /proc figures, report.
class BenchRun
{
public:
    explicit BenchRun(const BenchOptions &options);

    // Runs and prints; returns the exit status (see BenchOptions::usage()).
    int exec();

private:
    bool raiseFileLimit(QString *error);
    bool connectClients(SubscriberPool &pool);
    void runIdle(SubscriberPool &pool);
    void runPublish(SubscriberPool &pool, const LoopbackUrl &url);
    // Samples the server's RSS (for the peak) at most every 100 ms.
    void sample(bool force = false);
    ProcStats server() const;

    const BenchOptions m_options;
    BenchReport m_report;
    qint64 m_pid = 0;
    qint64 m_lastSampleNs = 0;
};

} // namespace Herald::Bench
