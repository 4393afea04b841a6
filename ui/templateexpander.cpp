#include "templateexpander.h"

#include <QCoreApplication>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QUuid>

namespace Herald {

namespace {

const QRegularExpression &variablePattern()
{
    // One per thread: the rate publisher expands on the server thread while the window checks
    // drafts on the GUI thread, and QRegularExpression is reentrant, not thread-safe.
    static thread_local const QRegularExpression pattern(
        QStringLiteral("\\{\\{\\s*([A-Za-z_]+)\\s*\\}\\}"));
    return pattern;
}

} // namespace

QString TemplateExpander::expand(const QString &text, const Context &context)
{
    if (!text.contains(QLatin1String("{{")))
        return text;
    QString out;
    out.reserve(text.size() + 32);
    qsizetype last = 0;
    QRegularExpressionMatchIterator it = variablePattern().globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch match = it.next();
        out += QStringView(text).mid(last, match.capturedStart() - last);
        last = match.capturedEnd();
        const QString name = match.captured(1).toLower();
        if (name == QLatin1String("counter"))
            out += QString::number(context.counter);
        else if (name == QLatin1String("index"))
            out += QString::number(context.index);
        else if (name == QLatin1String("time"))
            out += context.now.toUTC().toString(Qt::ISODateWithMs);
        else if (name == QLatin1String("epochms"))
            out += QString::number(context.now.toMSecsSinceEpoch());
        else if (name == QLatin1String("uuid"))
            out += QUuid::createUuid().toString(QUuid::WithoutBraces);
        else if (name == QLatin1String("random"))
            out += QString::number(QRandomGenerator::global()->bounded(1000000));
        else if (name == QLatin1String("topic"))
            out += context.topic;
        else
            out += match.captured(0);
    }
    out += QStringView(text).mid(last);
    return out;
}

bool TemplateExpander::hasVariables(const QString &text)
{
    return variablePattern().match(text).hasMatch();
}

QString TemplateExpander::help()
{
    return QCoreApplication::translate(
        "Herald::TemplateExpander",
        "<p>Variables, replaced in the event type and data of each event:</p>"
        "<table>"
        "<tr><td><tt>{{counter}}</tt></td>"
        "<td>events published from this window, 1, 2, 3…</td></tr>"
        "<tr><td><tt>{{index}}</tt></td><td>position in this batch or rate run, from 0</td></tr>"
        "<tr><td><tt>{{time}}</tt></td><td>UTC time, ISO 8601 with milliseconds</td></tr>"
        "<tr><td><tt>{{epochms}}</tt></td><td>milliseconds since 1970 (for latency)</td></tr>"
        "<tr><td><tt>{{uuid}}</tt></td><td>a new random UUID</td></tr>"
        "<tr><td><tt>{{random}}</tt></td><td>a random number, 0 to 999999</td></tr>"
        "<tr><td><tt>{{topic}}</tt></td><td>the topic published to</td></tr>"
        "</table><p>Unknown names are sent as written.</p>");
}

} // namespace Herald
