#include "frameencoder.h"

namespace Herald::FrameEncoder {

namespace {

// Calls emit(line) for every line of text, where LF, CRLF and a lone CR all end a line. An empty
// text is one empty line, and a text ending with a line break ends with an empty line, so the
// receiver's data buffer gets back exactly what was published.
template<typename Emit> void forEachLine(QByteArrayView text, Emit emitLine)
{
    qsizetype start = 0;
    qsizetype i = 0;
    const qsizetype size = text.size();
    while (i < size) {
        const char c = text[i];
        if (c != '\n' && c != '\r') {
            ++i;
            continue;
        }
        emitLine(text.sliced(start, i - start));
        if (c == '\r' && i + 1 < size && text[i + 1] == '\n')
            ++i;
        ++i;
        start = i;
    }
    emitLine(text.sliced(start));
}

} // namespace

QByteArray event(qint64 id, QByteArrayView type, QByteArrayView data, std::optional<int> retryMs)
{
    QByteArray frame;
    frame.reserve(data.size() + type.size() + 40);

    frame += "id: ";
    frame += QByteArray::number(id);
    frame += '\n';

    // Callers refuse types with line breaks. Should one get here anyway (say, relayed from
    // another writer of the shared Redis stream), only its first line is written, so that a
    // type can never add lines of its own to the frame.
    for (qsizetype i = 0; i < type.size(); ++i) {
        if (type[i] == '\n' || type[i] == '\r') {
            type = type.first(i);
            break;
        }
    }
    if (!type.isEmpty() && type != "message") {
        frame += "event: ";
        frame += type;
        frame += '\n';
    }

    if (retryMs) {
        frame += "retry: ";
        frame += QByteArray::number(*retryMs);
        frame += '\n';
    }

    forEachLine(data, [&frame](QByteArrayView line) {
        // "data:" without the space for an empty line keeps frames free of trailing blanks.
        if (line.isEmpty()) {
            frame += "data:\n";
            return;
        }
        frame += "data: ";
        frame += line;
        frame += '\n';
    });

    frame += '\n';
    return frame;
}

QByteArray retry(int milliseconds)
{
    return "retry: " + QByteArray::number(milliseconds) + "\n\n";
}

QByteArray comment(QByteArrayView text)
{
    QByteArray frame;
    forEachLine(text, [&frame](QByteArrayView line) {
        frame += ':';
        if (!line.isEmpty()) {
            frame += ' ';
            frame += line;
        }
        frame += '\n';
    });
    frame += '\n';
    return frame;
}

bool isValidEventType(QByteArrayView type)
{
    if (type.isEmpty())
        return false;
    for (const char c : type) {
        if (c == '\n' || c == '\r')
            return false;
    }
    return true;
}

} // namespace Herald::FrameEncoder
