#pragma once

#include "scenario/scenariotarget.h"

#include <QNetworkAccessManager>
#include <QObject>

class QNetworkReply;

namespace Herald {

// A Herald already running somewhere: publishing, faults and the client count go through its
// HTTP API (POST /publish, POST /faults, GET /clients, GET /faults).
class RemoteTarget : public QObject, public ScenarioTarget
{
    Q_OBJECT

public:
    // token: sent as a bearer token with every call, for a Herald run with --publish-token.
    explicit RemoteTarget(QUrl url, QByteArray token = {}, QObject *parent = nullptr);

    // Checks that a Herald answers GET /healthz there.
    bool start(QString *error) override;
    QUrl url() const override { return m_url; }
    int pollIntervalMs() const override { return 100; }

    void publish(const QString &topic, const QByteArray &type, const QByteArray &data,
                 PublishDone done) override;
    void applyFault(const QJsonObject &fault, FaultDone done) override;
    void clientCount(CountDone done) override;
    void faultLog(LogDone done) override;

    static constexpr int RequestTimeoutMs = 5000;

private:
    using Answer = std::function<void(int status, const QByteArray &body, const QString &error)>;
    void request(const QByteArray &method, const QString &path, const QByteArray &body,
                 Answer answer);

    QUrl m_url;
    QByteArray m_token;
    QNetworkAccessManager m_manager;
};

} // namespace Herald
