#pragma once

#include <QByteArray>
#include <QMap>
#include <QString>

namespace Herald::Bench {

// The figures of one run, printed as one JSON line (for scripts) and a short table (for people).
// Values that could not be measured (no server pid) are -1 and come out as null.
class BenchReport
{
public:
    QByteArray json() const;
    QByteArray table() const;
    // Whether the run was clean: every client connected and stayed, every publish accepted,
    // nothing lost or duplicated, not interrupted.
    bool clean() const;

    bool idle = false;
    bool interrupted = false;
    QString url;
    QString server; // "spawned" or "external"
    qint64 serverPid = 0;
    QString topic;
    int clients = 0;
    double rate = 0;
    double durationS = 0;
    double warmupS = 0;
    int payload = 0;

    int connected = 0;
    int connectFailed = 0;
    double connectS = 0;
    int disconnected = 0;
    QMap<QString, int> clientFailures;

    qint64 published = 0;
    qint64 accepted = 0;
    qint64 publishFailed = 0;
    qint64 publishMaxBacklog = 0;
    int publishConnections = 0;
    QMap<QString, int> publishFailures;

    quint64 expected = 0;
    quint64 received = 0;
    quint64 lost = 0;
    quint64 duplicated = 0;
    quint64 unacknowledged = 0; // receipts of publishes that got no 202
    quint64 foreign = 0;
    quint64 comments = 0;
    double deliveriesPerS = 0;

    quint64 latencySamples = 0;
    double latencyP50Us = 0;
    double latencyP90Us = 0;
    double latencyP99Us = 0;
    double latencyMaxUs = 0;
    double latencyMeanUs = 0;

    double windowS = 0; // wall time over which CPU was measured
    quint64 windowDeliveries = 0;
    double serverCpuS = -1;
    double serverCpuUsPerDelivery = -1;
    qint64 serverRssKb = -1;
    qint64 serverRssPeakKb = -1;
    qint64 serverHwmKb = -1;
    qint64 serverRssBeforeKb = -1; // --idle
    qint64 serverRssAfterKb = -1; // --idle
    double rssPerClientBytes = -1; // --idle
    int serverThreads = -1;
    double machineCpuS = -1; // all cores, everything that ran during the window
    double softirqThreadsCpuS = -1; // ksoftirqd: network work nobody else was charged for
    double benchCpuS = 0;
    double benchCpuUsPerDelivery = -1;
    qint64 benchRssKb = 0;
};

} // namespace Herald::Bench
