#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace Herald {

// A server-side fault QA can force on purpose, as users name it (HTTP API, scenario files, the
// window). Client faults act on chosen streams; Refuse acts on the next connection attempts;
// the relay faults on this node's Redis link.
struct Fault
{
    enum class Kind {
        Close, // flush what is queued, then FIN
        Reset, // abort with RST
        Stall, // keep the socket open, write nothing (heartbeats included)
        Resume, // end a stall or drip
        Drip, // write at bytesPerSecond
        Cut, // write part of the next event frame, then close
        DropAfterEvents, // close cleanly after `events` more events
        DropAfterTime, // close cleanly after `milliseconds`
        RetryThenClose, // send "retry: retryMs", then close cleanly
        Refuse, // answer the next `count` stream requests with `status`
        PauseRelay, // stop taking events from / giving events to Redis
        ResumeRelay
    };

    Kind kind = Kind::Close;
    qint64 bytesPerSecond = 0;
    qint64 events = 0;
    qint64 milliseconds = 0;
    int retryMs = 0;
    int count = 1;
    int status = 503; // Refuse: 500, 503 (with Retry-After) or 204 (stop reconnecting)
    int retryAfterSeconds = 1;

    // Which streams a client fault applies to: all of them, or these ids.
    bool allClients = true;
    QList<quint64> clients;

    bool isClientFault() const;
    static QString name(Kind kind);
    static std::optional<Kind> kindFromName(const QString &name);
    static QStringList names();

    // {"fault": "drip", "clients": ["3"] | "all", "bytesPerSecond": 10, ...}; every field but
    // "fault" has a default. Unknown fields and out-of-range values are errors.
    static std::optional<Fault> fromJson(const QJsonObject &object, QString *error);
    QJsonObject toJson() const;
};

} // namespace Herald
