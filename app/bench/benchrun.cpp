#include "benchrun.h"

#include "benchlogging.h"
#include "loopbackurl.h"
#include "publisher.h"
#include "serverprocess.h"
#include "subscriberpool.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <sys/resource.h>

namespace Herald::Bench {

namespace {

std::atomic<bool> interrupted{false};

void onSignal(int)
{
    interrupted.store(true, std::memory_order_relaxed);
}

qint64 monotonicNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

double secondsSince(qint64 startNs)
{
    return double(monotonicNs() - startNs) / 1e9;
}

// Descriptors the bench needs besides one per client: epoll sets, publish connections, stdio.
constexpr int SpareDescriptors = 64;

} // namespace

BenchRun::BenchRun(const BenchOptions &options)
    : m_options(options)
{ }

ProcStats BenchRun::server() const
{
    return m_pid > 0 ? ProcStats::read(m_pid) : ProcStats();
}

void BenchRun::sample(bool force)
{
    const qint64 now = monotonicNs();
    if (m_pid <= 0 || (!force && now - m_lastSampleNs < 100000000))
        return;
    m_lastSampleNs = now;
    const ProcStats stats = server();
    if (stats.valid)
        m_report.serverRssPeakKb = std::max(m_report.serverRssPeakKb, stats.rssKb);
}

bool BenchRun::raiseFileLimit(QString *error)
{
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    const rlim_t needed = rlim_t(m_options.clients) + SpareDescriptors;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
        *error = QStringLiteral("%1 clients need %2 open files but the hard limit is %3; raise it "
                                "(as root: ulimit -n %2) or use fewer clients")
                     .arg(m_options.clients)
                     .arg(quint64(needed))
                     .arg(quint64(limit.rlim_max));
        return false;
    }
    return true;
}

int BenchRun::exec()
{
    QString error;
    if (!raiseFileLimit(&error)) {
        qCCritical(lcBench).noquote() << error;
        return 3;
    }

    // A spawned server inherits the raised limit; it is started before any thread exists.
    ServerProcess spawned;
    QString urlText = m_options.url;
    if (!m_options.spawnPath.isEmpty()) {
        if (!spawned.start(m_options.spawnPath, m_options.serverArguments, 15000, &error)) {
            qCCritical(lcBench).noquote() << error;
            return 3;
        }
        urlText = spawned.url();
        m_pid = spawned.pid();
        m_report.server = QStringLiteral("spawned");
    } else {
        m_pid = m_options.serverPid;
        m_report.server = QStringLiteral("external");
    }

    LoopbackUrl url;
    if (!url.parse(urlText, &error)) {
        qCCritical(lcBench).noquote() << error;
        return m_options.spawnPath.isEmpty() ? 2 : 3;
    }
    if (m_pid > 0 && !ProcStats::read(m_pid).valid) {
        qCCritical(lcBench) << "no process" << m_pid << "to measure";
        return 3;
    }
    if (m_pid <= 0)
        qCWarning(lcBench).noquote()
            << "no --server-pid: the server's CPU and memory are not measured";

    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    m_report.idle = m_options.idle;
    m_report.url = url.text();
    m_report.serverPid = m_pid;
    m_report.topic = m_options.topic;
    m_report.clients = m_options.clients;
    m_report.rate = m_options.idle ? 0 : m_options.rate;
    m_report.durationS = m_options.durationS;
    m_report.warmupS = m_options.idle ? 0 : m_options.warmupS;
    m_report.payload = m_options.idle ? 0 : m_options.payload;

    const ProcStats before = server();
    m_report.serverRssBeforeKb = before.valid ? before.rssKb : -1;
    sample(true);

    SubscriberPool::Config poolConfig;
    poolConfig.url = &url;
    poolConfig.topic = m_options.topic.toUtf8();
    poolConfig.clients = m_options.clients;
    poolConfig.connectRate = m_options.connectRate;
    poolConfig.connectConcurrency = m_options.connectConcurrency;
    SubscriberPool pool(poolConfig);
    if (!pool.open(&error)) {
        qCCritical(lcBench).noquote() << error;
        return 3;
    }

    if (connectClients(pool)) {
        if (m_options.idle)
            runIdle(pool);
        else
            runPublish(pool, url);
    }

    const ProcStats end = server();
    if (end.valid) {
        m_report.serverRssKb = end.rssKb;
        m_report.serverHwmKb = end.hwmKb;
        m_report.serverThreads = end.threads;
        m_report.serverRssPeakKb = std::max(m_report.serverRssPeakKb, end.rssKb);
    } else {
        m_report.serverRssPeakKb = -1;
    }
    m_report.benchRssKb = ProcStats::self().rssKb;
    m_report.connected = pool.connected();
    m_report.connectFailed = pool.failed();
    m_report.disconnected = pool.disconnected();
    m_report.clientFailures = pool.failures();
    m_report.comments = pool.comments();
    m_report.foreign = pool.foreign();
    m_report.interrupted = interrupted.load();

    pool.closeAll();
    if (!m_options.spawnPath.isEmpty()) {
        const int status = spawned.stop();
        if (status != 0)
            qCWarning(lcBench).noquote() << "the spawned server exited with status" << status;
    }

    const QByteArray json = m_report.json() + '\n';
    std::fwrite(json.constData(), 1, size_t(json.size()), stdout);
    if (!m_options.jsonOnly) {
        const QByteArray table = m_report.table();
        std::fwrite(table.constData(), 1, size_t(table.size()), stdout);
    }
    std::fflush(stdout);
    return m_report.clean() ? 0 : 1;
}

bool BenchRun::connectClients(SubscriberPool &pool)
{
    qCInfo(lcBench).noquote() << "connecting" << m_options.clients << "clients to" << m_report.url
                              << "at" << m_options.connectRate << "per second";
    const qint64 start = monotonicNs();
    qint64 lastReport = start;
    while (!pool.connectingDone() && !interrupted.load()) {
        pool.poll(20);
        sample();
        const qint64 now = monotonicNs();
        if (double(now - start) / 1e9 > m_options.connectTimeoutS) {
            qCWarning(lcBench).noquote() << "connect timeout:" << pool.connected() << "of"
                                         << m_options.clients << "connected";
            pool.abandonPending();
        }
        if (now - lastReport > 5000000000LL) {
            lastReport = now;
            qCInfo(lcBench).noquote()
                << pool.connected() << "connected," << pool.failed() << "failed";
        }
    }
    if (interrupted.load())
        pool.abandonPending();
    m_report.connectS = secondsSince(start);
    qCInfo(lcBench).noquote() << pool.connected() << "clients connected in"
                              << QString::number(m_report.connectS, 'f', 2) << "s;" << pool.failed()
                              << "failed";
    if (pool.failed() > 0) {
        const auto failures = pool.failures();
        bool refusedOnly = true;
        for (auto it = failures.cbegin(); it != failures.cend(); ++it) {
            qCWarning(lcBench).noquote() << it.value() << "x" << it.key();
            refusedOnly = refusedOnly && it.key().contains(QLatin1String("refused"));
        }
        if (!refusedOnly)
            qCWarning(lcBench).noquote().nospace()
                << "a server out of descriptors resets or stalls connections: start it after "
                   "'ulimit -n "
                << m_options.clients + SpareDescriptors << "' (or more)";
    }
    return pool.connected() > 0 && !interrupted.load();
}

void BenchRun::runIdle(SubscriberPool &pool)
{
    // Let the server finish whatever the connections set off before reading its memory.
    const qint64 settleStart = monotonicNs();
    while (secondsSince(settleStart) < m_options.settleS && !interrupted.load()) {
        pool.poll(50);
        sample();
    }
    const ProcStats after = server();
    if (after.valid && m_report.serverRssBeforeKb >= 0) {
        m_report.serverRssAfterKb = after.rssKb;
        m_report.rssPerClientBytes
            = double(after.rssKb - m_report.serverRssBeforeKb) * 1024.0 / pool.connected();
    }
    qCInfo(lcBench).noquote() << "holding" << pool.streaming() << "idle clients for"
                              << m_options.durationS << "s";

    const ProcStats cpuStart = server();
    const ProcStats selfStart = ProcStats::self();
    const qint64 machineStart = ProcStats::machineBusyNs();
    const qint64 softirqStart = ProcStats::softirqThreadsNs();
    const qint64 start = monotonicNs();
    while (secondsSince(start) < m_options.durationS && !interrupted.load()) {
        pool.poll(100);
        sample();
    }
    const ProcStats cpuEnd = server();
    const ProcStats selfEnd = ProcStats::self();
    const qint64 machineEnd = ProcStats::machineBusyNs();
    const qint64 softirqEnd = ProcStats::softirqThreadsNs();
    m_report.windowS = secondsSince(start);
    if (machineStart >= 0 && machineEnd >= 0)
        m_report.machineCpuS = double(machineEnd - machineStart) / 1e9;
    if (softirqStart >= 0 && softirqEnd >= 0)
        m_report.softirqThreadsCpuS = double(softirqEnd - softirqStart) / 1e9;
    if (cpuStart.valid && cpuEnd.valid)
        m_report.serverCpuS = double(cpuEnd.cpuNs - cpuStart.cpuNs) / 1e9;
    m_report.benchCpuS = double(selfEnd.cpuNs - selfStart.cpuNs) / 1e9;
}

void BenchRun::runPublish(SubscriberPool &pool, const LoopbackUrl &url)
{
    const qint64 total
        = qint64(std::llround(m_options.rate * (m_options.warmupS + m_options.durationS)));
    const qint64 warmupCount = qint64(std::llround(m_options.rate * m_options.warmupS));
    const int clients = pool.connected();
    pool.expectEvents(total, warmupCount);

    // Subscribed on one node and published on another, the latency includes the relay.
    LoopbackUrl publishUrl;
    if (!m_options.publishUrl.isEmpty()) {
        QString error;
        if (!publishUrl.parse(m_options.publishUrl, &error)) {
            qCCritical(lcBench).noquote() << "--publish-url:" << error;
            return;
        }
    }
    Publisher::Config config;
    config.url = m_options.publishUrl.isEmpty() ? &url : &publishUrl;
    config.topic = m_options.topic.toUtf8();
    config.payload = m_options.payload;
    config.rate = m_options.rate;
    config.total = total;
    config.maxConnections = m_options.publishConnections;
    config.drainTimeoutS = m_options.drainTimeoutS;
    Publisher publisher(config);

    qCInfo(lcBench).noquote() << "publishing" << total << "events at" << m_options.rate
                              << "per second to" << clients << "clients"
                              << (warmupCount ? "(warmup first)" : "");

    ProcStats cpuStart = server();
    ProcStats selfStart = ProcStats::self();
    qint64 machineStart = ProcStats::machineBusyNs();
    qint64 softirqStart = ProcStats::softirqThreadsNs();
    quint64 deliveriesStart = 0;
    QString error;
    if (!publisher.start(&error)) {
        qCCritical(lcBench).noquote() << error;
        m_report.publishFailures = publisher.failures();
        m_report.publishFailures[error] += 1;
        m_report.publishFailed = total; // none of them could be published
        return;
    }
    qint64 windowStart = monotonicNs();
    bool measuring = warmupCount == 0;
    const qint64 publishStart = windowStart;

    const qint64 drainNs = qint64(m_options.drainTimeoutS * 1e9);
    // Nothing may run for ever: publishing, then the publisher's and our own drain, plus slack.
    const qint64 hardEnd = publishStart
        + qint64((m_options.warmupS + m_options.durationS + 2 * m_options.drainTimeoutS + 30)
                 * 1e9);
    qint64 finishedAt = 0;
    qint64 lastCheck = 0;
    bool stopAsked = false;

    while (true) {
        pool.poll(10);
        sample();
        const qint64 now = monotonicNs();
        if (!measuring && now - publishStart >= qint64(m_options.warmupS * 1e9)) {
            measuring = true;
            cpuStart = server();
            selfStart = ProcStats::self();
            machineStart = ProcStats::machineBusyNs();
            softirqStart = ProcStats::softirqThreadsNs();
            deliveriesStart = pool.deliveries();
            windowStart = now;
        }
        if (interrupted.load() && !stopAsked) {
            stopAsked = true;
            publisher.requestStop();
        }
        if (now > hardEnd) {
            qCWarning(lcBench).noquote() << "run over its time bound; stopping";
            publisher.requestStop();
            break;
        }
        if (!publisher.finished())
            continue;
        if (!finishedAt)
            finishedAt = now;
        // Every accepted event at every streaming client yet?
        if (now - lastCheck >= 20000000) {
            lastCheck = now;
            const std::vector<quint8> &status = publisher.status();
            const std::vector<quint32> &receipts = pool.receipts();
            const quint32 streaming = quint32(std::max(0, pool.streaming()));
            quint64 missing = 0;
            for (size_t seq = 0; seq < status.size(); ++seq) {
                if (status[seq] == Publisher::Accepted && receipts[seq] < streaming)
                    missing += streaming - receipts[seq];
            }
            if (missing == 0)
                break;
            // Interrupted: the last deliveries get a second, not the whole drain timeout.
            const qint64 drainLimit
                = interrupted.load() ? std::min<qint64>(drainNs, 1000000000) : drainNs;
            if (now - finishedAt > drainLimit) {
                qCWarning(lcBench).noquote()
                    << missing << "deliveries still missing after the drain timeout";
                break;
            }
        }
    }
    const ProcStats cpuEnd = server();
    const ProcStats selfEnd = ProcStats::self();
    const qint64 machineEnd = ProcStats::machineBusyNs();
    const qint64 softirqEnd = ProcStats::softirqThreadsNs();
    const quint64 deliveriesEnd = pool.deliveries();
    m_report.windowS = secondsSince(windowStart);
    if (machineStart >= 0 && machineEnd >= 0)
        m_report.machineCpuS = double(machineEnd - machineStart) / 1e9;
    if (softirqStart >= 0 && softirqEnd >= 0)
        m_report.softirqThreadsCpuS = double(softirqEnd - softirqStart) / 1e9;
    publisher.requestStop();
    publisher.join();

    // The books: every accepted event should have reached every client connected at the start.
    const std::vector<quint8> &status = publisher.status();
    const std::vector<quint32> &receipts = pool.receipts();
    for (size_t seq = 0; seq < status.size(); ++seq) {
        if (status[seq] == Publisher::Accepted) {
            m_report.expected += quint64(clients);
            m_report.received += receipts[seq];
            if (receipts[seq] < quint32(clients))
                m_report.lost += quint64(clients) - receipts[seq];
            else
                m_report.duplicated += receipts[seq] - quint64(clients); // re-sent under new ids
        } else {
            m_report.unacknowledged += receipts[seq];
        }
    }
    m_report.duplicated += pool.duplicated();
    m_report.published = publisher.sent();
    m_report.accepted = publisher.accepted();
    m_report.publishFailed = publisher.failed();
    m_report.publishMaxBacklog = publisher.maxBacklog();
    m_report.publishConnections = publisher.connectionsOpened();
    m_report.publishFailures = publisher.failures();
    // Over the measured window (from the end of the warmup to the last delivery), so that a
    // publisher that fell behind shows as a lower rate.
    m_report.deliveriesPerS
        = m_report.windowS > 0 ? double(deliveriesEnd - deliveriesStart) / m_report.windowS : 0;

    const LatencyHistogram &latency = pool.latency();
    m_report.latencySamples = latency.count();
    m_report.latencyP50Us = double(latency.percentile(50)) / 1000;
    m_report.latencyP90Us = double(latency.percentile(90)) / 1000;
    m_report.latencyP99Us = double(latency.percentile(99)) / 1000;
    m_report.latencyMaxUs = double(latency.max()) / 1000;
    m_report.latencyMeanUs = latency.mean() / 1000;

    m_report.windowDeliveries = deliveriesEnd - deliveriesStart;
    if (cpuStart.valid && cpuEnd.valid) {
        m_report.serverCpuS = double(cpuEnd.cpuNs - cpuStart.cpuNs) / 1e9;
        if (m_report.windowDeliveries > 0)
            m_report.serverCpuUsPerDelivery
                = m_report.serverCpuS * 1e6 / double(m_report.windowDeliveries);
    }
    m_report.benchCpuS = double(selfEnd.cpuNs - selfStart.cpuNs) / 1e9;
    if (m_report.windowDeliveries > 0)
        m_report.benchCpuUsPerDelivery
            = m_report.benchCpuS * 1e6 / double(m_report.windowDeliveries);
}

} // namespace Herald::Bench
