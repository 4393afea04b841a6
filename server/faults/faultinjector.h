#pragma once

#include "faults/fault.h"

#include <QJsonArray>
#include <QObject>

#include <deque>
#include <functional>
#include <optional>

namespace Herald {

class Broadcaster;

// Applies faults and keeps a timestamped log of them, so that a verdict can line up what a
// client saw with what was done to it. Lives on the server thread.
class FaultInjector : public QObject
{
    Q_OBJECT

public:
    explicit FaultInjector(Broadcaster *broadcaster, QObject *parent = nullptr);

    struct Result
    {
        int applied = 0; // streams it reached (client faults), or 1
        QString error; // non-empty when nothing was done
        QJsonObject record;
    };
    Result apply(const Fault &fault);

    // For each new stream request: the answer to give instead, while a Refuse fault lasts.
    struct Refusal
    {
        int status = 503;
        int retryAfterSeconds = 1;
    };
    std::optional<Refusal> takeRefusal();
    int pendingRefusals() const { return m_refusals; }

    QJsonArray log() const;

    // Set by the relay; nothing to pause without one.
    std::function<void(bool paused)> pauseRelay;

Q_SIGNALS:
    void faultApplied(const QJsonObject &record);

private:
    Broadcaster *m_broadcaster;
    int m_refusals = 0;
    Refusal m_refusal;
    std::deque<QJsonObject> m_log;
};

} // namespace Herald
