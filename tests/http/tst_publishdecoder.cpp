#include "http/publishdecoder.h"
#include "http/streamrequest.h"

#include <QTest>

using namespace Herald;

class tst_PublishDecoder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void accepted_data();
    void accepted();
    void rejected_data();
    void rejected();
    void lastEventId_data();
    void lastEventId();
};

void tst_PublishDecoder::accepted_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QStringList>("topics");
    QTest::addColumn<QList<QByteArray>>("types");
    QTest::addColumn<QList<QByteArray>>("data");
    QTest::addColumn<int>("retry");

    const QStringList def = {QStringLiteral("default")};
    const QList<QByteArray> msg = {"message"};

    QTest::newRow("json string data")
        << QByteArray("application/json") << QByteArray(R"({"data":"hi"})") << def << msg
        << QList<QByteArray>{"hi"} << -1;
    QTest::newRow("json with charset")
        << QByteArray("application/json; charset=utf-8") << QByteArray(R"({"data":"hi"})") << def
        << msg << QList<QByteArray>{"hi"} << -1;
    QTest::newRow("json all fields")
        << QByteArray("application/json")
        << QByteArray(R"({"topic":"news","event":"update","data":"x","retry":1500})")
        << QStringList{QStringLiteral("news")} << QList<QByteArray>{"update"}
        << QList<QByteArray>{"x"} << 1500;
    QTest::newRow("json object data is compacted")
        << QByteArray("application/json") << QByteArray(R"({"data": {"a": [1, 2], "b": null}})")
        << def << msg << QList<QByteArray>{R"({"a":[1,2],"b":null})"} << -1;
    QTest::newRow("json number data")
        << QByteArray("application/json") << QByteArray(R"({"data": 12.5})") << def << msg
        << QList<QByteArray>{"12.5"} << -1;
    QTest::newRow("json boolean data")
        << QByteArray("application/json") << QByteArray(R"({"data": true})") << def << msg
        << QList<QByteArray>{"true"} << -1;
    QTest::newRow("json null data")
        << QByteArray("application/json") << QByteArray(R"({"data": null})") << def << msg
        << QList<QByteArray>{"null"} << -1;
    QTest::newRow("json multi-line string")
        << QByteArray("application/json") << QByteArray(R"({"data":"a\r\nb"})") << def << msg
        << QList<QByteArray>{"a\r\nb"} << -1;
    QTest::newRow("batch keeps order")
        << QByteArray("application/json")
        << QByteArray(R"([{"data":"1","topic":"t"},{"data":"2","event":"e"}])")
        << QStringList{QStringLiteral("t"), QStringLiteral("default")}
        << QList<QByteArray>{"message", "e"} << QList<QByteArray>{"1", "2"} << -1;
    QTest::newRow("form") << QByteArray("application/x-www-form-urlencoded")
                          << QByteArray("topic=news&event=ping&data=a+b%26c")
                          << QStringList{QStringLiteral("news")} << QList<QByteArray>{"ping"}
                          << QList<QByteArray>{"a b&c"} << -1;
    QTest::newRow("form empty data")
        << QByteArray("application/x-www-form-urlencoded") << QByteArray("data=") << def << msg
        << QList<QByteArray>{""} << -1;
}

void tst_PublishDecoder::accepted()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(QStringList, topics);
    QFETCH(QList<QByteArray>, types);
    QFETCH(QList<QByteArray>, data);
    QFETCH(int, retry);

    const PublishDecoder::Result result = PublishDecoder::decode(contentType, body);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(qsizetype(result.drafts.size()), topics.size());
    for (size_t i = 0; i < result.drafts.size(); ++i) {
        QCOMPARE(result.drafts[i].topic, topics[qsizetype(i)]);
        QCOMPARE(result.drafts[i].type, types[qsizetype(i)]);
        QCOMPARE(result.drafts[i].data, data[qsizetype(i)]);
    }
    QCOMPARE(result.drafts.front().retryMs.value_or(-1), retry);
}

void tst_PublishDecoder::rejected_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("errorPart");

    const QByteArray json = "application/json";
    QTest::newRow("malformed json")
        << json << QByteArray("{\"data\":") << 400 << QStringLiteral("malformed JSON");
    QTest::newRow("missing data") << json << QByteArray(R"({"topic":"a"})") << 400
                                  << QStringLiteral("\"data\" is missing");
    QTest::newRow("number body") << json << QByteArray("42") << 400
                                 << QStringLiteral("must be a JSON object or an array");
    QTest::newRow("string body") << json << QByteArray(R"("hello")") << 400
                                 << QStringLiteral("must be a JSON object or an array");
    QTest::newRow("null body") << json << QByteArray(" null ") << 400
                               << QStringLiteral("must be a JSON object or an array");
    QTest::newRow("empty body") << json << QByteArray(" \r\n") << 400
                                << QStringLiteral("empty body");
    QTest::newRow("two values") << json << QByteArray(R"({"data":"a"} {"data":"b"})") << 400
                                << QStringLiteral("malformed JSON");
    QTest::newRow("empty batch") << json << QByteArray("[]") << 400
                                 << QStringLiteral("empty batch");
    QTest::newRow("batch with bad item") << json << QByteArray(R"([{"data":"a"},{"topic":"x"}])")
                                         << 400 << QStringLiteral("event 1");
    QTest::newRow("batch of non-objects")
        << json << QByteArray("[1,2]") << 400 << QStringLiteral("JSON object");
    QTest::newRow("bad topic") << json << QByteArray(R"({"data":"a","topic":"a b"})") << 400
                               << QStringLiteral("bad topic name");
    QTest::newRow("empty topic") << json << QByteArray(R"({"data":"a","topic":""})") << 400
                                 << QStringLiteral("bad topic name");
    QTest::newRow("topic not a string") << json << QByteArray(R"({"data":"a","topic":5})") << 400
                                        << QStringLiteral("\"topic\" must be a string");
    QTest::newRow("lf in event type") << json << QByteArray(R"({"data":"a","event":"a\nb"})") << 400
                                      << QStringLiteral("CR or LF");
    QTest::newRow("cr in event type") << json << QByteArray(R"({"data":"a","event":"a\rb"})") << 400
                                      << QStringLiteral("CR or LF");
    QTest::newRow("empty event type") << json << QByteArray(R"({"data":"a","event":""})") << 400
                                      << QStringLiteral("must not be empty");
    QTest::newRow("negative retry")
        << json << QByteArray(R"({"data":"a","retry":-1})") << 400 << QStringLiteral("retry");
    QTest::newRow("fractional retry")
        << json << QByteArray(R"({"data":"a","retry":1.5})") << 400 << QStringLiteral("retry");
    QTest::newRow("huge retry") << json << QByteArray(R"({"data":"a","retry":1e300})") << 400
                                << QStringLiteral("retry");
    QTest::newRow("string retry") << json << QByteArray(R"({"data":"a","retry":"10"})") << 400
                                  << QStringLiteral("retry");
    QTest::newRow("form without data")
        << QByteArray("application/x-www-form-urlencoded") << QByteArray("topic=a") << 400
        << QStringLiteral("\"data\" is missing");
    QTest::newRow("form bad event")
        << QByteArray("application/x-www-form-urlencoded") << QByteArray("data=x&event=a%0Ab")
        << 400 << QStringLiteral("CR or LF");
    QTest::newRow("text/plain") << QByteArray("text/plain") << QByteArray("hello") << 415
                                << QStringLiteral("unsupported Content-Type");
    QTest::newRow("no content type")
        << QByteArray() << QByteArray("{}") << 415 << QStringLiteral("missing Content-Type");
}

void tst_PublishDecoder::rejected()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, errorPart);

    const PublishDecoder::Result result = PublishDecoder::decode(contentType, body);
    QVERIFY(!result.ok());
    QCOMPARE(result.status, status);
    QVERIFY(result.drafts.empty());
    QVERIFY2(result.error.contains(errorPart), qPrintable(result.error));
    QVERIFY(!result.error.isEmpty());
}

void tst_PublishDecoder::lastEventId_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<qint64>("expected"); // -1: not an id

    QTest::newRow("plain") << QByteArray("42") << qint64(42);
    QTest::newRow("zero") << QByteArray("0") << qint64(0);
    QTest::newRow("surrounding space") << QByteArray(" 7 ") << qint64(7);
    QTest::newRow("largest") << QByteArray("9223372036854775807") << qint64(9223372036854775807LL);
    QTest::newRow("overflow") << QByteArray("9223372036854775808") << qint64(-1);
    QTest::newRow("negative") << QByteArray("-3") << qint64(-1);
    QTest::newRow("plus sign") << QByteArray("+3") << qint64(-1);
    QTest::newRow("letters") << QByteArray("abc") << qint64(-1);
    QTest::newRow("empty") << QByteArray("") << qint64(-1);
    QTest::newRow("inner space") << QByteArray("1 2") << qint64(-1);
    QTest::newRow("hex") << QByteArray("0x10") << qint64(-1);
}

void tst_PublishDecoder::lastEventId()
{
    QFETCH(QByteArray, text);
    QFETCH(qint64, expected);
    QCOMPARE(StreamRequest::parseId(text).value_or(-1), expected);
}

QTEST_GUILESS_MAIN(tst_PublishDecoder)
#include "tst_publishdecoder.moc"
