// Two relayed nodes behind nginx with the example configuration from resources/nginx.

#include "node/node.h"
#include "redisprocess.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Herald;
using namespace Herald::Test;

class tst_LoadBalancer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void streamsThroughNginxAndResumesOnTheOtherNode();
};

void tst_LoadBalancer::streamsThroughNginxAndResumesOnTheOtherNode()
{
    QString nginx = QStandardPaths::findExecutable(QStringLiteral("nginx"));
    if (nginx.isEmpty())
        nginx = QStandardPaths::findExecutable(QStringLiteral("nginx"),
                                               {QStringLiteral("/usr/sbin")});
    QVERIFY2(!nginx.isEmpty(), "nginx is needed for this test (the test command installs it)");

    RedisProcess redis;
    QVERIFY2(redis.start(), qPrintable(redis.errorString()));

    std::vector<std::unique_ptr<Node>> nodes;
    for (const char *name : {"node-1", "node-2"}) {
        NodeConfig config;
        config.port = 0;
        config.broadcast.workers = 1;
        config.broadcast.nodeId = QLatin1String(name);
        RelayConfig relay;
        relay.url = *RedisUrl::parse(redis.url());
        config.relay = relay;
        nodes.push_back(std::make_unique<Node>(config));
        QString error;
        QVERIFY2(nodes.back()->start(&error), qPrintable(error));
        Relay *r = nodes.back()->relay();
        QTRY_VERIFY_WITH_TIMEOUT(r->isCaughtUp(), 10000);
    }

    // The shipped configuration, with this test's ports and a private prefix.
    QFile shipped(QStringLiteral(HERALD_SOURCE_DIR "/resources/nginx/herald-lb.conf"));
    QVERIFY(shipped.open(QIODevice::ReadOnly));
    QByteArray conf = shipped.readAll();
    const quint16 front = freeLoopbackPort();
    QTemporaryDir dir;
    conf.replace("listen 8080;", "listen 127.0.0.1:" + QByteArray::number(front) + ';');
    conf.replace("127.0.0.1:8081", "127.0.0.1:" + QByteArray::number(nodes[0]->port()));
    conf.replace("127.0.0.1:8082", "127.0.0.1:" + QByteArray::number(nodes[1]->port()));
    conf.replace("/tmp/herald-lb-nginx.pid", dir.filePath(QStringLiteral("nginx.pid")).toUtf8());
    conf.replace("worker_processes auto;", "worker_processes 1;");
    QVERIFY(conf.contains(QByteArray::number(nodes[1]->port())));
    QFile written(dir.filePath(QStringLiteral("nginx.conf")));
    QVERIFY(written.open(QIODevice::WriteOnly));
    written.write(conf);
    written.close();

    QProcess proxy;
    proxy.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    proxy.start(nginx,
                {QStringLiteral("-p"), dir.path(), QStringLiteral("-c"), written.fileName(),
                 QStringLiteral("-g"), QStringLiteral("daemon off;")});
    QVERIFY(proxy.waitForStarted());
    const auto stopProxy = qScopeGuard([&proxy] {
        proxy.terminate();
        if (!proxy.waitForFinished(5000))
            proxy.kill();
    });
    QTRY_VERIFY_WITH_TIMEOUT(httpRequest(front, "GET", "/healthz").status == 200, 10000);

    // A stream through the proxy, fed by publishes through the proxy.
    auto client = std::make_unique<RawHttpClient>(front);
    QVERIFY(client->connectToServer());
    client->get("/events");
    QVERIFY(client->waitForHead());
    QCOMPARE(client->status(), 200);
    QList<qint64> ids;
    for (int i = 0; i < 4; ++i) {
        const HttpResult result = publishJson(front, R"({"data":"through nginx"})");
        QCOMPARE(result.status, 202);
        ids.append(QJsonDocument::fromJson(result.body)
                       .object()
                       .value(QLatin1String("id"))
                       .toString()
                       .toLongLong());
    }
    QTRY_COMPARE(client->ids(), ids); // frames arrive one by one: nginx does not buffer them

    // The node holding the stream goes away; the client comes back through the proxy with its
    // Last-Event-ID and lands on the other node, missing nothing.
    Node *holder = nodes[0]->broadcaster()->clientCount() == 1 ? nodes[0].get() : nodes[1].get();
    Node *other = holder == nodes[0].get() ? nodes[1].get() : nodes[0].get();
    holder->stop();
    // nginx re-chunks the stream for its client: the end shows as the last chunk, or a close.
    QVERIFY(client->waitForEndOfBody());
    const HttpResult missed = publishJson(front, R"({"data":"missed"})");
    QCOMPARE(missed.status, 202);
    const qint64 missedId = QJsonDocument::fromJson(missed.body)
                                .object()
                                .value(QLatin1String("id"))
                                .toString()
                                .toLongLong();

    auto resumed = std::make_unique<RawHttpClient>(front);
    QVERIFY(resumed->connectToServer());
    resumed->get("/events", {"Last-Event-ID: " + QByteArray::number(ids.last())});
    QVERIFY(resumed->waitForHead());
    QCOMPARE(resumed->status(), 200);
    QCOMPARE(resumed->header("herald-replay"), QByteArray("full"));
    QTRY_COMPARE(resumed->ids(), QList<qint64>{missedId});
    QCOMPARE(other->broadcaster()->clientCount(), 1);
}

QTEST_GUILESS_MAIN(tst_LoadBalancer)
#include "tst_loadbalancer.moc"
