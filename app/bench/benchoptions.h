#pragma once

#include <QString>
#include <QStringList>

namespace Herald::Bench {

// herald-bench's command line. Every count and time is bounded, so a typo cannot turn the bench
// into an unbounded load generator.
class BenchOptions
{
public:
    enum class Action { Run, Help, Error };

    static constexpr int MaxClients = 100000;
    static constexpr double MaxDurationS = 600;
    static constexpr double MaxRate = 100000;
    static constexpr double MaxEvents = 10e6; // rate * (warmup + duration)
    static constexpr int MaxPayload = 1 << 20;

    static BenchOptions parse(const QStringList &arguments);
    static QString usage();

    Action action = Action::Run;
    QString error; // for Action::Error

    QString url; // --url
    QString publishUrl; // --publish-url: publish here, subscribe at url
    qint64 serverPid = 0; // --server-pid
    QString spawnPath; // --spawn
    QStringList serverArguments; // after "--", passed to the spawned server

    int clients = 1000;
    double rate = 100; // events per second
    double durationS = 10;
    double warmupS = 0;
    int payload = 100; // bytes of data per event
    QString topic = QStringLiteral("bench");
    double connectRate = 2000; // new connections per second
    int connectConcurrency = 128; // connections between connect() and the response head
    double connectTimeoutS = 60; // for all clients to be connected
    double drainTimeoutS = 10; // after the last publish, for the last deliveries
    double settleS = 1; // --idle: wait before reading the RSS after connecting
    int publishConnections = 4; // keep-alive connections the publisher may open
    bool idle = false;
    bool jsonOnly = false;
};

} // namespace Herald::Bench
