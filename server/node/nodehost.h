#pragma once

#include "node/node.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QMetaType>
#include <QObject>
#include <QThread>
#include <QUrl>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace Herald {

// One stream client as the console sees it at one instant: who it is, and its counters then.
struct ClientSnapshot
{
    ClientInfo info;
    quint64 eventsSent = 0;
    quint64 bytesSent = 0;
    qint64 queuedBytes = 0;
    qint64 lastSentId = 0;
    ClientSession::State state = ClientSession::State::Streaming;
};

// Everything the console shows, taken on the server thread and handed over by value, so the GUI
// never reads server state while the server changes it.
struct NodeSnapshot
{
    quint64 sequence = 0; // counts snapshots since the host was made
    qint64 takenAtMs = 0; // wall clock
    bool running = false;
    QUrl url;
    QString nodeId;
    std::vector<ClientSnapshot> clients; // ascending id
    BroadcastMetrics metrics;
    std::vector<EventPtr> lastEvents; // oldest first; events are immutable and shared
    QJsonArray faultLog;
    int pendingRefusals = 0;
    std::optional<QJsonObject> relayStatus; // absent: no relay configured
    std::optional<QJsonArray> nodes;
    quint64 tappedClient = 0; // 0: none selected
    QByteArray tapped; // the last bytes written to it (ClientSession::TapLimit at most)
    bool ratePublishing = false;
    double rate = 0; // events/s asked for
    quint64 ratePublished = 0; // events the rate publisher made since it started
};

// Runs a Node on a thread of its own and lets a GUI watch and drive it without ever waiting on
// it. Lives on the GUI thread; the Node, its timers and every call into it live on the server
// thread.
//
// - Commands are posted to the server thread (queued) and answer, if at all, with a queued
//   signal; nothing here blocks, except the destructor, which stops the node and joins.
// - A timer on the server thread takes a NodeSnapshot a few times a second and hands it over with
//   one queued call. While the GUI has not taken the last one, no new one is made, so a busy GUI
//   gets fewer snapshots instead of a growing queue. No per-event or per-client signal crosses.
class NodeHost : public QObject
{
    Q_OBJECT

public:
    enum class State { Stopped, Starting, Running, Stopping };

    // Makes the drafts of a batch or of the rate publisher; called on the server thread with the
    // index of the event in its batch (or since the rate publisher started), so it must only
    // use what it captured by value and thread-safe calls.
    using DraftGenerator = std::function<EventDraft(quint64 index)>;

    explicit NodeHost(QObject *parent = nullptr);
    // Stops the node (streams closed with a flush, so clients reconnect) and joins the thread.
    ~NodeHost() override;

    // GUI-side view of the lifecycle, changed when the queued answers arrive.
    State state() const { return m_state; }
    bool isRunning() const { return m_state == State::Running; }
    QUrl url() const { return m_url; }
    const NodeConfig &config() const { return m_config; }

    void start(const NodeConfig &config);
    void stop();

    // How often snapshots are taken and how many recent events each carries.
    void setSnapshotInterval(int milliseconds);
    void setSnapshotEvents(int count);

    // Publishing, with ids from the node's sequencer (the relay's when there is one).
    void publish(std::vector<EventDraft> drafts);
    // count events made by generator, published in slices so the server thread stays responsive.
    void publishGenerated(quint64 count, DraftGenerator generator);
    // Publishes at perSecond until stopRate(); a backlog (the server thread was busy) is dropped
    // rather than sent in a burst.
    void startRate(double perSecond, DraftGenerator generator);
    void stopRate();
    // An event frame for one client only, outside the id sequence (see nodehost.cpp for why).
    void sendDirect(quint64 clientId, const QByteArray &type, const QByteArray &data);

    void applyFault(const Fault &fault);
    // The client whose wire bytes the snapshots carry; 0 for none.
    void tapClient(quint64 clientId);

Q_SIGNALS:
    void started(const QUrl &url);
    void startFailed(const QString &error);
    void stopped();
    void snapshotTaken(const Herald::NodeSnapshot &snapshot);
    void published(qint64 firstId, qint64 lastId, qsizetype count);
    void publishFailed(const QString &error);
    void directSent(quint64 clientId, bool delivered);
    void faultApplied(const QJsonObject &record);
    void faultFailed(const QString &error);
    void rateStopped(quint64 published);

private:
    struct Server;

    // Runs f on the server thread, after every command posted before it.
    template<typename F> void post(F &&f);
    // Runs f on the GUI thread (dropped if this host is gone by then).
    template<typename F> void answer(F &&f);

    // Server thread.
    void serverStart(const NodeConfig &config);
    void serverStop();
    void serverTick();
    void serverTakeSnapshot(bool force);
    void serverPublishSlice(quint64 next, quint64 count, DraftGenerator generator, qint64 firstId);
    void serverRateTick();
    void serverStopRate();

    QThread m_thread;
    QObject *m_context; // lives on the server thread: the target of posted commands
    std::unique_ptr<Server> m_server; // touched on the server thread only
    std::atomic<bool> m_snapshotPending{false};

    // GUI thread.
    State m_state = State::Stopped;
    QUrl m_url;
    NodeConfig m_config;
};

} // namespace Herald

Q_DECLARE_METATYPE(Herald::NodeSnapshot)
