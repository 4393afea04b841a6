#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QString>
#include <QStringList>

#include <atomic>
#include <memory>

namespace Herald {

// Who a stream client is, fixed when its stream starts.
struct ClientInfo
{
    quint64 id = 0;
    QString remote; // "address:port"
    QString userAgent;
    QString origin; // the browser's Origin header, if any
    QStringList topics;
    QDateTime connectedAt;
    QByteArray lastEventId; // as the client sent it on connect, empty if none
    QString node;
};

// One bytes chunk waiting to go to a client; eventId is set when the chunk is an event frame, so
// that an event counts as sent only once its last byte reached the kernel.
struct Chunk
{
    QByteArray bytes;
    qint64 eventId = 0;
};

// A connected stream client as the rest of Herald sees it: its identity and live counters. The
// delivery worker that owns the socket updates the counters; any thread may read them.
class ClientSession
{
public:
    enum class State { Streaming, Closing, Closed };

    explicit ClientSession(ClientInfo info)
        : m_info(std::move(info))
    { }

    const ClientInfo &info() const { return m_info; }
    quint64 id() const { return m_info.id; }

    quint64 eventsSent() const { return m_eventsSent.load(std::memory_order_relaxed); }
    quint64 bytesSent() const { return m_bytesSent.load(std::memory_order_relaxed); }
    qint64 queuedBytes() const { return m_queuedBytes.load(std::memory_order_relaxed); }
    qint64 lastSentId() const { return m_lastSentId.load(std::memory_order_relaxed); }
    State state() const { return m_state.load(std::memory_order_relaxed); }

private:
    friend class DeliveryWorker;

    const ClientInfo m_info;
    std::atomic<quint64> m_eventsSent{0};
    std::atomic<quint64> m_bytesSent{0};
    std::atomic<qint64> m_queuedBytes{0};
    std::atomic<qint64> m_lastSentId{0};
    std::atomic<State> m_state{State::Streaming};
};

using SessionPtr = std::shared_ptr<ClientSession>;

} // namespace Herald
