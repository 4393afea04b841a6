#pragma once

#include "broadcast/broadcaster.h"
#include "faults/faultinjector.h"
#include "http/httpapi.h"

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
};

// One running Herald: the broadcaster and its HTTP API (and later the relay), started and
// stopped together. Lives on the server thread.
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

private:
    NodeConfig m_config;
    Broadcaster *m_broadcaster = nullptr;
    HttpApi *m_http = nullptr;
    FaultInjector *m_faults = nullptr;
    bool m_running = false;
};

} // namespace Herald
