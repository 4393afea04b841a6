#pragma once

#include "node/node.h"
#include "scenario/scenario.h"
#include "scenario/scenariotarget.h"

#include <memory>

namespace Herald {

// A Herald started in this process on a free loopback port, configured from the scenario's
// "server" settings. Publishing and faults go straight to it; clients still connect over TCP.
class LocalTarget : public ScenarioTarget
{
public:
    explicit LocalTarget(const Scenario::Server &settings);
    ~LocalTarget() override;

    bool start(QString *error) override;
    void stop() override;
    QUrl url() const override;
    Node *node() const { return m_node.get(); }

    void publish(const QString &topic, const QByteArray &type, const QByteArray &data,
                 PublishDone done) override;
    void applyFault(const QJsonObject &fault, FaultDone done) override;
    void clientCount(CountDone done) override;
    void faultLog(LogDone done) override;

private:
    std::unique_ptr<Node> m_node;
};

} // namespace Herald
