#include "node/node.h"

#include "logging.h"

#include <QHostInfo>

namespace Herald {

Node::Node(NodeConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{ }

Node::~Node()
{
    stop();
}

bool Node::start(QString *error)
{
    if (m_running)
        return true;

    // CORS: any origin by default while only this machine can reach us.
    if (m_config.http.allowOrigin.isNull() && m_config.bindAddress.isLoopback())
        m_config.http.allowOrigin = "*";
    if (!m_config.bindAddress.isLoopback() && m_config.http.publishToken.isEmpty()) {
        m_config.http.loopbackOnlyAdmin = true;
        qCWarning(lcHttp) << "listening on" << m_config.bindAddress.toString()
                          << "without --publish-token: anyone who can reach it may subscribe, and"
                             " publish and admin calls are accepted from this machine only";
    }

    if (!m_config.stateDir.isEmpty() && m_config.port != 0 && !m_config.relay
        && m_config.broadcast.idStatePath.isEmpty()) {
        QString address = m_config.bindAddress.toString();
        address.replace(QLatin1Char(':'), QLatin1Char('_'));
        m_config.broadcast.idStatePath
            = m_config.stateDir + QStringLiteral("/ids-%1-%2").arg(address).arg(m_config.port);
    }

    m_broadcaster = new Broadcaster(m_config.broadcast, this);
    if (!m_broadcaster->start(error)) {
        delete m_broadcaster;
        m_broadcaster = nullptr;
        return false;
    }

    m_faults = new FaultInjector(m_broadcaster, this);
    m_http = new HttpApi(m_broadcaster, m_faults, m_config.http, this);
    if (!m_http->listen(m_config.bindAddress, m_config.port, error)) {
        delete m_http;
        m_http = nullptr;
        delete m_faults;
        m_faults = nullptr;
        delete m_broadcaster;
        m_broadcaster = nullptr;
        return false;
    }

    if (m_config.broadcast.nodeId.isEmpty()) {
        // Default node id: host name plus port, unique enough behind one load balancer.
        m_config.broadcast.nodeId
            = QHostInfo::localHostName() + QLatin1Char(':') + QString::number(m_http->port());
    }
    m_broadcaster->setNodeId(m_config.broadcast.nodeId);

    if (m_config.relay) {
        RelayConfig relayConfig = *m_config.relay;
        relayConfig.nodeId = m_config.broadcast.nodeId;
        relayConfig.advertisedUrl = url().toString();
        m_relay = new Relay(m_broadcaster, relayConfig, this);
        m_http->relayStatus = [this] {
            return m_relay->status();
        };
        m_http->extraMetrics = [this] {
            return m_relay->metricsText();
        };
        m_http->nodes = [this] {
            return m_relay->nodes();
        };
        m_faults->pauseRelay = [this](bool paused) {
            m_relay->setPaused(paused);
        };
        m_relay->start();
    }
    m_running = true;
    return true;
}

void Node::stop()
{
    if (!m_running)
        return;
    m_running = false;
    qCInfo(lcHttp) << "stopping: closing" << m_broadcaster->clientCount() << "streams";
    m_http->stopListening();
    if (m_relay)
        m_relay->stop();
    m_broadcaster->stop();
}

QUrl Node::url() const
{
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    QHostAddress host = m_config.bindAddress;
    if (host == QHostAddress::Any || host == QHostAddress::AnyIPv4)
        host = QHostAddress::LocalHost;
    else if (host == QHostAddress::AnyIPv6)
        host = QHostAddress::LocalHostIPv6;
    url.setHost(host.toString());
    url.setPort(port());
    url.setPath(QStringLiteral("/"));
    return url;
}

} // namespace Herald
