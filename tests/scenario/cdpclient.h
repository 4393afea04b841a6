#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QNetworkAccessManager>
#include <QObject>
#include <QWebSocket>

#include <optional>

namespace Herald::Test {

// Just enough of the Chrome DevTools Protocol to read a page's JavaScript state: find the page
// through the browser's /json/list, open its WebSocket and run Runtime.evaluate. Every wait
// spins the event loop, so a Herald on the same thread keeps serving the page meanwhile.
class CdpClient : public QObject
{
    Q_OBJECT

public:
    explicit CdpClient(QObject *parent = nullptr);

    // Waits for a page whose URL starts with urlPrefix, then connects to it.
    bool attach(quint16 devToolsPort, const QString &urlPrefix, int timeoutMs = 20000);
    // The expression's value (JSON-serialisable), or nothing on an error or timeout.
    std::optional<QJsonValue> evaluate(const QString &expression, int timeoutMs = 5000);
    QString lastError() const { return m_error; }

private:
    std::optional<QJsonObject> call(const QString &method, const QJsonObject &params,
                                    int timeoutMs);

    QNetworkAccessManager m_manager;
    QWebSocket m_socket;
    QHash<int, QJsonObject> m_answers;
    int m_nextId = 0;
    QString m_error;
};

} // namespace Herald::Test
