#include "faults/fault.h"

#include <QJsonDocument>
#include <QTest>

using namespace Herald;

class tst_Fault : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
    void roundTrip();
};

void tst_Fault::parse_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("errorPart"); // empty: accepted

    QTest::newRow("close all") << QByteArray(R"({"fault":"close"})") << QString();
    QTest::newRow("reset listed") << QByteArray(R"({"fault":"reset","clients":["3",4]})")
                                  << QString();
    QTest::newRow("drip") << QByteArray(R"({"fault":"drip","bytesPerSecond":10})") << QString();
    QTest::newRow("drip without rate")
        << QByteArray(R"({"fault":"drip"})") << QStringLiteral("bytesPerSecond");
    QTest::newRow("drop after events")
        << QByteArray(R"({"fault":"drop-after-events","events":3})") << QString();
    QTest::newRow("drop after time")
        << QByteArray(R"({"fault":"drop-after-time","ms":500})") << QString();
    QTest::newRow("retry then close")
        << QByteArray(R"({"fault":"retry-then-close","retry":100})") << QString();
    QTest::newRow("refuse 204") << QByteArray(R"({"fault":"refuse","count":2,"status":204})")
                                << QString();
    QTest::newRow("refuse 404") << QByteArray(R"({"fault":"refuse","status":404})")
                                << QStringLiteral("500, 503 or 204");
    QTest::newRow("unknown kind") << QByteArray(R"({"fault":"explode"})")
                                  << QStringLiteral("must be one of");
    QTest::newRow("missing kind") << QByteArray(R"({})") << QStringLiteral("must be one of");
    QTest::newRow("unknown field")
        << QByteArray(R"({"fault":"close","color":"red"})") << QStringLiteral("unknown field");
    QTest::newRow("bad clients") << QByteArray(R"({"fault":"close","clients":"some"})")
                                 << QStringLiteral("clients");
    QTest::newRow("zero client id")
        << QByteArray(R"({"fault":"close","clients":[0]})") << QStringLiteral("clients");
    QTest::newRow("negative rate") << QByteArray(R"({"fault":"drip","bytesPerSecond":-5})")
                                   << QStringLiteral("bytesPerSecond");
    // Found by the fuzzer: a count far beyond any integer once reached undefined behaviour.
    QTest::newRow("huge count") << QByteArray(
        R"({"fault":"refuse","count":42222222222222222222222222222222222222222222222})")
                                << QStringLiteral("count");
    QTest::newRow("huge client id")
        << QByteArray(R"({"fault":"close","clients":[1e300]})") << QStringLiteral("clients");
    QTest::newRow("fractional events")
        << QByteArray(R"({"fault":"drop-after-events","events":1.5})") << QStringLiteral("events");
}

void tst_Fault::parse()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, errorPart);

    QString error;
    const std::optional<Fault> fault
        = Fault::fromJson(QJsonDocument::fromJson(json).object(), &error);
    if (errorPart.isEmpty()) {
        QVERIFY2(fault.has_value(), qPrintable(error));
    } else {
        QVERIFY(!fault.has_value());
        QVERIFY2(error.contains(errorPart), qPrintable(error));
    }
}

void tst_Fault::roundTrip()
{
    QString error;
    const auto fault = Fault::fromJson(
        QJsonDocument::fromJson(R"({"fault":"refuse","count":3,"status":503,"retryAfter":7})")
            .object(),
        &error);
    QVERIFY(fault);
    QCOMPARE(fault->count, 3);
    QCOMPARE(fault->retryAfterSeconds, 7);
    const auto again = Fault::fromJson(fault->toJson(), &error);
    QVERIFY2(again, qPrintable(error));
    QCOMPARE(again->toJson(), fault->toJson());

    const auto listed = Fault::fromJson(
        QJsonDocument::fromJson(R"({"fault":"stall","clients":["12","13"]})").object(), &error);
    QVERIFY(listed);
    QVERIFY(!listed->allClients);
    QCOMPARE(listed->clients, (QList<quint64>{12, 13}));

    // Named twice, in any spelling, is still one client.
    const auto twice = Fault::fromJson(
        QJsonDocument::fromJson(R"({"fault":"stall","clients":["12",12,"13","12"]})").object(),
        &error);
    QVERIFY(twice);
    QCOMPARE(twice->clients, (QList<quint64>{12, 13}));
}

QTEST_GUILESS_MAIN(tst_Fault)
#include "tst_fault.moc"
