#pragma once

#include "broadcast/broadcaster.h"
#include "faults/faultinjector.h"
#include "http/httpapi.h"
#include "relay/relay.h"

#include <QHostAddress>
#include <QObject>
#include <QUrl>

namespace Herald {

// Everything one Herald instance is configured with, whatever started it (command line, window).
struct NodeConfig
{
    QHostAddress bindAddress = QHostAddress::LocalHost;
    quint16 port = 8080;
    Broadcaster::Config broadcast;
    HttpConfig http;
    // Set to relay through Redis; node id and URL are filled in at start.
    std::optional<RelayConfig> relay;
    // Where a standalone node on a fixed port keeps its id mark between runs (one file per
    // address and port: the URL clients resume at). Empty, port 0 or a relay: nothing is kept.
    QString stateDir;
};

// One running Herald: the broadcaster, its HTTP API, its faults and (when configured) the
// relay, started and stopped together. Lives on the server thread.
class Node : public QObject
{
    Q_OBJECT

public:
    explicit Node(NodeConfig config, QObject *parent = nullptr);
    ~Node() override;

    bool start(QString *error);
    // Stops accepting, closes every stream cleanly so clients reconnect, and stops the workers.
    void stop();
    bool isRunning() const { return m_running; }

    quint16 port() const { return m_http ? m_http->port() : 0; }
    QUrl url() const;
    const NodeConfig &config() const { return m_config; }
    Broadcaster *broadcaster() const { return m_broadcaster; }
    HttpApi *http() const { return m_http; }
    FaultInjector *faults() const { return m_faults; }
    Relay *relay() const { return m_relay; }

private:
    NodeConfig m_config;
    Broadcaster *m_broadcaster = nullptr;
    HttpApi *m_http = nullptr;
    FaultInjector *m_faults = nullptr;
    Relay *m_relay = nullptr;
    bool m_running = false;
};

} // namespace Herald
