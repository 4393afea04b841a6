#pragma once

#include "scenario/clientselection.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>

namespace Herald {

// One check of an "expect" step, as the scenario file states it.
struct Expectation
{
    enum class Kind {
        NoGaps, // every event published on a client's topics reached it
        NoDuplicates, // no event id reached a client twice
        InOrder, // ids only ever increase
        ReconnectTiming, // each reconnection waited the stream's retry, within tolerance
        LastEventId, // each reconnection sent the id of the last event received before it
        Replay, // each resume got the Herald-Replay answer expected
        ClientCount, // the server's client count
        ClientStopped, // the clients stopped for good (HTML "fail the connection")
        Latency, // a percentile of publish-to-receive latency
        Reconnects, // how many times each client reconnected
        Received // how many events each client received
    };

    Kind kind = Kind::NoGaps;
    QString name; // unique in its scenario; the JUnit test case name
    QString path; // where in the file, for messages
    ClientSelection clients;

    int toleranceMs = 1000; // ReconnectTiming: how late a reconnection may be
    int earlyMs = 50; // ReconnectTiming: how early
    QByteArray replay; // Replay: "full" or "gap"
    int equals = 0; // ClientCount
    int status = 0; // ClientStopped: the status of the last attempt; 0: any
    double percentile = 99; // Latency
    int belowMs = 0; // Latency
    std::optional<int> atLeast; // Reconnects, Received
    std::optional<int> atMost;

    static QString kindName(Kind kind);
    static std::optional<Kind> kindFromName(const QString &name);
    static QStringList kindNames();
};

} // namespace Herald
