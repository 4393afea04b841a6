#include "cdpclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QTest>

namespace Herald::Test {

CdpClient::CdpClient(QObject *parent)
    : QObject(parent)
{
    connect(&m_socket, &QWebSocket::textMessageReceived, this, [this](const QString &message) {
        const QJsonObject object = QJsonDocument::fromJson(message.toUtf8()).object();
        if (object.contains(QLatin1String("id")))
            m_answers.insert(object.value(QLatin1String("id")).toInt(), object);
    });
}

bool CdpClient::attach(quint16 devToolsPort, const QString &urlPrefix, int timeoutMs)
{
    QElapsedTimer timer;
    timer.start();
    QString target;
    // The page shows up in the list once the browser has started loading it.
    while (target.isEmpty() && timer.elapsed() < timeoutMs) {
        QNetworkRequest request(
            QUrl(QStringLiteral("http://127.0.0.1:%1/json/list").arg(devToolsPort)));
        request.setTransferTimeout(2000);
        QNetworkReply *reply = m_manager.get(request);
        if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, 3000))
            reply->abort(); // the browser is still starting; ask again
        const QJsonArray pages = QJsonDocument::fromJson(reply->readAll()).array();
        reply->deleteLater();
        for (const QJsonValue &page : pages) {
            const QJsonObject object = page.toObject();
            if (object.value(QLatin1String("type")) == QLatin1String("page")
                && object.value(QLatin1String("url")).toString().startsWith(urlPrefix))
                target = object.value(QLatin1String("webSocketDebuggerUrl")).toString();
        }
        if (target.isEmpty())
            QTest::qWait(100);
    }
    if (target.isEmpty()) {
        m_error = QStringLiteral("no page at %1 in the browser's /json/list").arg(urlPrefix);
        return false;
    }
    m_socket.open(QUrl(target));
    if (!QTest::qWaitFor([this] { return m_socket.state() == QAbstractSocket::ConnectedState; },
                         int(std::max<qint64>(1000, timeoutMs - timer.elapsed())))) {
        m_error = QStringLiteral("cannot open %1: %2").arg(target, m_socket.errorString());
        return false;
    }
    return true;
}

std::optional<QJsonObject> CdpClient::call(const QString &method, const QJsonObject &params,
                                           int timeoutMs)
{
    const int id = ++m_nextId;
    const QJsonObject message{{QStringLiteral("id"), id},
                              {QStringLiteral("method"), method},
                              {QStringLiteral("params"), params}};
    m_socket.sendTextMessage(
        QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
    if (!QTest::qWaitFor([&] { return m_answers.contains(id); }, timeoutMs)) {
        m_error = QStringLiteral("%1: no answer within %2 ms").arg(method).arg(timeoutMs);
        return std::nullopt;
    }
    const QJsonObject answer = m_answers.take(id);
    if (answer.contains(QLatin1String("error"))) {
        m_error = QString::fromUtf8(QJsonDocument(answer.value(QLatin1String("error")).toObject())
                                        .toJson(QJsonDocument::Compact));
        return std::nullopt;
    }
    return answer.value(QLatin1String("result")).toObject();
}

std::optional<QJsonValue> CdpClient::evaluate(const QString &expression, int timeoutMs)
{
    const std::optional<QJsonObject> result = call(
        QStringLiteral("Runtime.evaluate"),
        {{QStringLiteral("expression"), expression}, {QStringLiteral("returnByValue"), true}},
        timeoutMs);
    if (!result)
        return std::nullopt;
    if (result->contains(QLatin1String("exceptionDetails"))) {
        m_error = QString::fromUtf8(
            QJsonDocument(result->value(QLatin1String("exceptionDetails")).toObject())
                .toJson(QJsonDocument::Compact));
        return std::nullopt;
    }
    return result->value(QLatin1String("result")).toObject().value(QLatin1String("value"));
}

} // namespace Herald::Test
