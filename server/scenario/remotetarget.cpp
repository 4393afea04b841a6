#include "scenario/remotetarget.h"

#include "logging.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>

namespace Herald {

namespace {

// The error text of a Herald answer ({"error": "..."}), or the status.
QString errorOf(int status, const QByteArray &body, const QString &transport)
{
    if (!transport.isEmpty() && status == 0)
        return transport;
    const QString message
        = QJsonDocument::fromJson(body).object().value(QLatin1String("error")).toString();
    return QStringLiteral("HTTP %1%2")
        .arg(status)
        .arg(message.isEmpty() ? QString() : QStringLiteral(": ") + message);
}

} // namespace

RemoteTarget::RemoteTarget(QUrl url, QByteArray token, QObject *parent)
    : QObject(parent)
    , m_url(std::move(url))
    , m_token(std::move(token))
{
    if (!m_url.path().endsWith(QLatin1Char('/')))
        m_url.setPath(m_url.path() + QLatin1Char('/'));
}

void RemoteTarget::request(const QByteArray &method, const QString &path, const QByteArray &body,
                           Answer answer)
{
    QNetworkRequest request(m_url.resolved(QUrl(path)));
    request.setTransferTimeout(RequestTimeoutMs);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    if (!m_token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_token);
    QNetworkReply *reply = m_manager.sendCustomRequest(request, method, body);
    connect(reply, &QNetworkReply::finished, this, [reply, answer] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QString transport
            = reply->error() == QNetworkReply::NoError ? QString() : reply->errorString();
        answer(status, reply->readAll(), transport);
    });
}

bool RemoteTarget::start(QString *error)
{
    if (m_url.scheme() != QLatin1String("http") || m_url.host().isEmpty()) {
        *error = QStringLiteral("%1 is not an http:// URL").arg(m_url.toString());
        return false;
    }
    QEventLoop loop;
    bool ok = false;
    QString problem = QStringLiteral("no answer");
    request("GET", QStringLiteral("healthz"), {},
            [&](int status, const QByteArray &body, const QString &transport) {
                ok = status == 200
                    && QJsonDocument::fromJson(body).object().value(QLatin1String("status"))
                        == QLatin1String("ok");
                if (!ok)
                    problem = status == 200 ? QStringLiteral("GET /healthz is not Herald's")
                                            : errorOf(status, body, transport);
                loop.quit();
            });
    // The request has its own transfer timeout; this bounds the loop in any case.
    QTimer::singleShot(RequestTimeoutMs + 1000, &loop, &QEventLoop::quit);
    loop.exec();
    if (!ok)
        *error = QStringLiteral("no Herald at %1: %2").arg(m_url.toString(), problem);
    else
        qCInfo(lcScenario) << "running against" << m_url.toString();
    return ok;
}

void RemoteTarget::publish(const QString &topic, const QByteArray &type, const QByteArray &data,
                           PublishDone done)
{
    const QJsonObject object{{QStringLiteral("topic"), topic},
                             {QStringLiteral("event"), QString::fromUtf8(type)},
                             {QStringLiteral("data"), QString::fromUtf8(data)}};
    request("POST", QStringLiteral("publish"), QJsonDocument(object).toJson(QJsonDocument::Compact),
            [done](int status, const QByteArray &body, const QString &transport) {
                if (status != 202) {
                    done(0, errorOf(status, body, transport));
                    return;
                }
                const QString id
                    = QJsonDocument::fromJson(body).object().value(QLatin1String("id")).toString();
                done(id.toLongLong(), QString());
            });
}

void RemoteTarget::applyFault(const QJsonObject &fault, FaultDone done)
{
    request("POST", QStringLiteral("faults"), QJsonDocument(fault).toJson(QJsonDocument::Compact),
            [done](int status, const QByteArray &body, const QString &transport) {
                if (status != 200) {
                    done({}, errorOf(status, body, transport));
                    return;
                }
                done(QJsonDocument::fromJson(body).object(), QString());
            });
}

void RemoteTarget::clientCount(CountDone done)
{
    request("GET", QStringLiteral("clients"), {},
            [done](int status, const QByteArray &body, const QString &transport) {
                const QJsonDocument document = QJsonDocument::fromJson(body);
                if (status != 200 || !document.isArray()) {
                    done(-1, errorOf(status, body, transport));
                    return;
                }
                done(int(document.array().size()), QString());
            });
}

void RemoteTarget::faultLog(LogDone done)
{
    request("GET", QStringLiteral("faults"), {},
            [done](int status, const QByteArray &body, const QString &transport) {
                const QJsonDocument document = QJsonDocument::fromJson(body);
                if (status != 200 || !document.isArray()) {
                    done({}, errorOf(status, body, transport));
                    return;
                }
                done(document.array(), QString());
            });
}

} // namespace Herald
