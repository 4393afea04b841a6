#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QUrl>

#include <functional>

namespace Herald {

// The Herald a scenario runs against: one started in-process, or one already running at a URL.
// Every call answers through its callback, at once or later, on the caller's thread.
class ScenarioTarget
{
public:
    virtual ~ScenarioTarget() = default;

    virtual bool start(QString *error) = 0;
    virtual void stop() { }
    // The server's root, ending with '/'; streams are at "events".
    virtual QUrl url() const = 0;
    // How often a wait step looks again: a local server answers at once, a remote one is asked
    // over HTTP.
    virtual int pollIntervalMs() const { return 20; }

    using PublishDone = std::function<void(qint64 id, const QString &error)>;
    virtual void publish(const QString &topic, const QByteArray &type, const QByteArray &data,
                         PublishDone done)
        = 0;
    // The fault as POST /faults takes it; done gets the fault log record.
    using FaultDone = std::function<void(const QJsonObject &record, const QString &error)>;
    virtual void applyFault(const QJsonObject &fault, FaultDone done) = 0;
    using CountDone = std::function<void(int count, const QString &error)>;
    virtual void clientCount(CountDone done) = 0;
    using LogDone = std::function<void(const QJsonArray &log, const QString &error)>;
    virtual void faultLog(LogDone done) = 0;
};

} // namespace Herald
