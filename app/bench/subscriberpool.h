#pragma once

#include "latencyhistogram.h"
#include "protocol/eventstreamparser.h"

#include <QByteArray>
#include <QMap>
#include <QString>

#include <string>
#include <vector>

namespace Herald::Bench {

class LoopbackUrl;

// The N subscribers: non-blocking sockets in one edge-triggered epoll set, driven by the
// caller's thread through poll(). Each one sends "GET /events?topic=T", checks for a 200 head
// and then feeds what arrives to its own Herald EventStreamParser.
//
// Events published by the bench carry "hb <seq> <monotonic ns> xxx..." as data; each receipt is
// counted against its sequence number (to find losses later), checked against the client's last
// id (ids only increase on a stream, so an id not above the last one is a duplicate) and, when
// it belongs to the measured phase, its publish-to-receive latency recorded.
class SubscriberPool
{
public:
    struct Config
    {
        const LoopbackUrl *url = nullptr;
        QByteArray topic;
        int clients = 0;
        double connectRate = 2000;
        int connectConcurrency = 128;
    };

    explicit SubscriberPool(const Config &config);
    ~SubscriberPool();

    SubscriberPool(const SubscriberPool &) = delete;
    SubscriberPool &operator=(const SubscriberPool &) = delete;

    bool open(QString *error);
    // Starts connections as the pacing allows and handles whatever arrived, waiting at most
    // timeoutMs for something to happen.
    void poll(int timeoutMs);
    // Clients not connected yet are given up on (the connect phase timed out).
    void abandonPending();
    void closeAll();

    // Events with sequence numbers below total are the bench's; latency is recorded for those
    // from measuredFrom on. Call before publishing starts.
    void expectEvents(qint64 total, qint64 measuredFrom);

    bool connectingDone() const { return m_connected + m_failed >= m_config.clients; }
    int connected() const { return m_connected; }
    int failed() const { return m_failed; }
    int disconnected() const { return m_disconnected; }
    int streaming() const { return m_connected - m_disconnected; }
    QMap<QString, int> failures() const { return m_failures; }

    // Receipts of the bench's events that were not duplicates, all phases.
    quint64 deliveries() const { return m_deliveries; }
    quint64 duplicated() const { return m_duplicated; }
    quint64 foreign() const { return m_foreign; } // events not published by this run
    quint64 comments() const { return m_comments; } // heartbeats and the like
    quint64 bytesReceived() const { return m_bytes; }
    // How many clients received each of the bench's events (by sequence number).
    const std::vector<quint32> &receipts() const { return m_receipts; }
    const LatencyHistogram &latency() const { return m_latency; }

private:
    struct Client
    {
        enum class State : quint8 { Idle, Connecting, Head, Streaming, Closed };
        int fd = -1;
        State state = State::Idle;
        qint64 lastId = 0;
        std::string head; // the response head while it arrives
        EventStreamParser parser;
    };

    void startNext(qint64 nowNs);
    void onWritable(int index);
    void onReadable(int index);
    void onHead(int index, const char *data, size_t size);
    void onBytes(Client &client, const char *data, size_t size, qint64 nowNs);
    void fail(int index, const QString &reason);
    void closeClient(Client &client);

    Config m_config;
    QByteArray m_request;
    int m_epoll = -1;
    std::vector<Client> m_clients;
    std::vector<char> m_buffer;
    qint64 m_startNs = 0;
    int m_started = 0;
    int m_connected = 0;
    int m_failed = 0;
    int m_disconnected = 0;
    QMap<QString, int> m_failures;

    std::vector<quint32> m_receipts;
    qint64 m_measuredFrom = 0;
    quint64 m_deliveries = 0;
    quint64 m_duplicated = 0;
    quint64 m_foreign = 0;
    quint64 m_comments = 0;
    quint64 m_bytes = 0;
    LatencyHistogram m_latency;
};

} // namespace Herald::Bench
