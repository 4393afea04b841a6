#pragma once

#include <QByteArray>
#include <QString>

#include <memory>
#include <optional>

namespace Herald {

// What a publisher asks to send, before it has an id.
struct EventDraft
{
    QString topic = QStringLiteral("default");
    QByteArray type = QByteArrayLiteral("message");
    QByteArray data;
    std::optional<int> retryMs;
};

// A published event. Immutable once made and shared by the history, every delivery queue and
// the relay: the wire frame is encoded once, here, and never copied per client.
struct Event
{
    qint64 id = 0;
    QString topic;
    QByteArray type;
    QByteArray data;
    std::optional<int> retryMs;
    qint64 publishedAtMs = 0; // wall clock, ms since the epoch, on the node that published it
    QByteArray frame;

    static std::shared_ptr<const Event> make(qint64 id, const EventDraft &draft,
                                             qint64 publishedAtMs);
};

using EventPtr = std::shared_ptr<const Event>;

} // namespace Herald
