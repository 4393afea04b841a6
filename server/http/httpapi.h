#pragma once

#include "http/connectionguard.h"
#include "http/httpreply.h"

#include <QAbstractHttpServer>
#include <QHash>
#include <QHostAddress>
#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonObject>
#include <QMap>
#include <QPointer>

#include <functional>

namespace Herald {

class Broadcaster;
class FaultInjector;
class Listener;

struct HttpConfig
{
    QByteArray publishToken; // when set, publish and admin calls need "Bearer <token>"
    QByteArray allowOrigin; // Access-Control-Allow-Origin; empty sends none
    int maxClients = 0; // 0: no limit
    int maxClientsPerAddress = 0; // stream clients from one remote address; 0: no limit
    // Publish and admin calls from other machines are refused unless a token is set; turned on
    // when bound to a non-loopback address without --publish-token.
    bool loopbackOnlyAdmin = false;
    ConnectionLimits limits;
};

// Herald's HTTP API on QAbstractHttpServer: the event stream, publishing, the client list,
// metrics, health and the demo page. A stream request is taken over: its socket leaves Qt's
// HTTP server (which would otherwise keep parsing whatever the client sends as new requests)
// and goes to a delivery worker as a bare descriptor.
class HttpApi : public QAbstractHttpServer
{
    Q_OBJECT

public:
    HttpApi(Broadcaster *broadcaster, FaultInjector *faults, HttpConfig config,
            QObject *parent = nullptr);

    bool listen(const QHostAddress &address, quint16 port, QString *error);
    void stopListening();
    quint16 port() const { return m_port; }
    QHostAddress address() const { return m_address; }
    const HttpConfig &config() const { return m_config; }

    // Hooks the relay fills in: its state for /healthz, its lines for /metrics, the node list.
    std::function<QJsonObject()> relayStatus;
    std::function<QByteArray()> extraMetrics;
    std::function<QJsonArray()> nodes;

    static QJsonObject clientJson(const class ClientSession &session);

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    enum class Route {
        None,
        Root,
        Events,
        Publish,
        Clients,
        Client,
        Metrics,
        Health,
        Nodes,
        Faults
    };

    Route route(const QString &path, quint64 *clientId) const;
    static QList<QHttpServerRequest::Method> allowed(Route route);

    void reply(const QHttpServerRequest &request, QTcpSocket *socket, int status,
               const QByteArray &body, const QByteArray &contentType, HeaderList extra = {});
    void replyJson(const QHttpServerRequest &request, QTcpSocket *socket, int status,
                   const QJsonDocument &document, HeaderList extra = {});
    void replyError(const QHttpServerRequest &request, QTcpSocket *socket, int status,
                    const QString &message, HeaderList extra = {});
    HeaderList corsHeaders() const;
    bool authorized(const QHttpServerRequest &request) const;
    // Checks the token and, without one, where the request comes from; answers when refused.
    bool admit(const QHttpServerRequest &request, QTcpSocket *socket);
    static bool shouldClose(const QHttpServerRequest &request, QTcpSocket *socket);

    void openStream(const QHttpServerRequest &request, QTcpSocket *socket);
    void publish(const QHttpServerRequest &request, QTcpSocket *socket);
    void kick(const QHttpServerRequest &request, QTcpSocket *socket, quint64 clientId);
    void applyFault(const QHttpServerRequest &request, QTcpSocket *socket);
    bool refuse(const QHttpServerRequest &request, QTcpSocket *socket);
    QByteArray metricsText() const;
    QJsonObject health() const;

    Broadcaster *m_broadcaster;
    FaultInjector *m_faults;
    HttpConfig m_config;
    QPointer<Listener> m_listener;
    QHostAddress m_address;
    quint16 m_port = 0;
    qint64 m_startedMs = 0;
    QMap<int, quint64> m_responses; // by status, for /metrics
    QHash<QString, int> m_streamsPerAddress;
    QHash<quint64, QString> m_addressOf;
};

// A header's value by case-insensitive name; empty if absent. `present` tells the two apart.
QByteArray headerValue(const QHttpServerRequest &request, const QByteArray &name,
                       bool *present = nullptr);

} // namespace Herald
