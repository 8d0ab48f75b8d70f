package io.fastworker.engine;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.fastworker.execution.TaskError;
import io.fastworker.execution.TaskOptions;
import io.fastworker.queue.TaskState;
import io.fastworker.store.JournalRecord;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;

/**
 * Encodes a {@link Command} as a journal record of its {@link RecordType}: compact JSON, times as nanoseconds since
 * the epoch, written straight into the journal's buffer by the journal's thread (what a command holds does not
 * change: specs, views, errors and results are immutable). {@link CommandReader} reads it back as the same command.
 */
final class CommandWriter {

    private final JsonFactory json;

    CommandWriter(JsonFactory json) {
        this.json = json;
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    /** The record of {@code c}. */
    JournalRecord record(Command c) {
        if (c instanceof TaskCommand t) {
            return task(t);
        }
        if (c instanceof Command.Accept a) {
            return write(RecordType.ACCEPTED, g -> {
                spec(g, a.spec());
                g.writeNumberField("sub", nanos(a.at()));
                if (a.idempotencyKey() != null) {
                    g.writeStringField("ik", a.idempotencyKey());
                    g.writeStringField("fp", a.fingerprint());
                }
                if (a.clientChosenId()) {
                    g.writeBooleanField("cid", true);
                }
                if (a.idempotencyKey() != null || a.clientChosenId()) {
                    g.writeNumberField("kx", nanos(a.claimsExpire()));
                }
                trace(g, a.trace());
            });
        }
        if (c instanceof Command.DeleteDeadLetter d) {
            return write(RecordType.DEAD_LETTER_DELETED, g -> {
                g.writeStringField("id", d.id());
                g.writeNumberField("at", nanos(d.at()));
            });
        }
        if (c instanceof Command.SetLimit l) {
            return write(RecordType.LIMIT_SET, g -> {
                g.writeStringField("name", l.task());
                if (l.limit() == null) {
                    g.writeBooleanField("del", true);
                    return;
                }
                if (l.limit().maxConcurrency() != null) {
                    g.writeNumberField("mc", l.limit().maxConcurrency());
                }
                if (l.limit().rate() != null) {
                    g.writeStringField("rate", l.limit().rate().toString());
                }
            });
        }
        return other(c);
    }

    private JournalRecord other(Command c) {
        if (c instanceof Command.DefineSchedule d) {
            return write(d.definition() == null ? RecordType.SCHEDULE_DELETED : RecordType.SCHEDULE_DEFINED, g -> {
                g.writeStringField("id", d.id());
                if (d.definition() != null) {
                    g.writeFieldName("def");
                    g.writeTree(d.definition());
                }
            });
        }
        if (c instanceof Command.PauseSchedule p) {
            return write(RecordType.SCHEDULE_PAUSED, g -> {
                g.writeStringField("id", p.id());
                g.writeBooleanField("on", p.paused());
            });
        }
        if (c instanceof Command.ScheduleRan r) {
            return write(RecordType.SCHEDULE_RAN, g -> {
                g.writeStringField("id", r.id());
                g.writeNumberField("tick", nanos(r.tick()));
                g.writeStringField("task", r.taskId());
            });
        }
        if (c instanceof Command.KeepGroup k) {
            StoredGroup grp = k.group();
            return write(RecordType.GROUP_KEPT, g -> {
                g.writeStringField("id", grp.id());
                g.writeNumberField("n", grp.size());
                if (grp.then() != null) {
                    g.writeFieldName("then");
                    g.writeTree(grp.then());
                }
                g.writeNumberField("at", nanos(grp.createdAt()));
                if (grp.endedAt() != null) {
                    g.writeNumberField("end", nanos(grp.endedAt()));
                }
            });
        }
        if (c instanceof Command.EndGroup e) {
            return write(RecordType.GROUP_ENDED, g -> {
                g.writeStringField("id", e.id());
                g.writeNumberField("at", nanos(e.at()));
            });
        }
        if (c instanceof Command.ForgetGroup f) {
            return write(RecordType.GROUP_FORGOTTEN, g -> g.writeStringField("id", f.id()));
        }
        return snapshot(c);
    }

    private JournalRecord snapshot(Command c) {
        if (c instanceof Command.RestoreTask t) {
            return write(RecordType.TASK, g -> {
                if (t.spec() != null) {
                    spec(g, t.spec());
                    trace(g, t.trace());
                } else {
                    TaskView v = t.view();
                    g.writeStringField("id", v.id());
                    g.writeStringField("name", v.task());
                    g.writeStringField("p", v.priority().wireName());
                    g.writeNumberField("max", v.maxAttempts());
                    Parts.schedule(g, v.schedule());
                    Parts.chain(g, v.chain());
                    Parts.group(g, v.group());
                }
                view(g, t.view());
                if (t.attemptBase() > 0) {
                    g.writeNumberField("base", t.attemptBase());
                }
                if (t.due() != null) {
                    g.writeNumberField("due", nanos(t.due()));
                }
            });
        }
        if (c instanceof Command.RestoreDeadLetter d) {
            return write(RecordType.DEAD_LETTER, g -> {
                DeadLetter letter = d.letter();
                spec(g, letter.spec());
                trace(g, letter.trace());
                view(g, letter.view());
                int base = letter.view().maxAttempts() - letter.spec().options().maxAttempts();
                if (base > 0) {
                    g.writeNumberField("base", base);
                }
            });
        }
        if (c instanceof Command.RestoreClaim k) {
            return write(RecordType.CLAIM, g -> {
                g.writeStringField("k", k.key());
                g.writeStringField("id", k.claim().taskId());
                g.writeStringField("name", k.claim().task());
                g.writeNumberField("exp", k.claim().expiresAtMillis());
                if (k.claim().fingerprint() != null) {
                    g.writeStringField("fp", k.claim().fingerprint());
                }
            });
        }
        throw new IllegalArgumentException("no record for " + c);
    }

    private JournalRecord task(TaskCommand c) {
        RecordType type;
        Fields rest;
        if (c instanceof TaskCommand.Release x) {
            type = RecordType.RELEASED;
            rest = g -> g.writeStringField("from", x.from().wireName());
        } else if (c instanceof TaskCommand.Start x) {
            type = RecordType.STARTED;
            rest = g -> {
                g.writeNumberField("n", x.attempt());
                g.writeStringField("w", x.executor());
            };
        } else if (c instanceof TaskCommand.End x) {
            type = RecordType.ENDED;
            rest = g -> {
                g.writeNumberField("n", x.attempt());
                g.writeStringField("st", x.next().wireName());
                if (x.result() != null) {
                    g.writeFieldName("r");
                    g.writeTree(x.result());
                }
                if (x.error() != null) {
                    g.writeFieldName("err");
                    error(g, x.error());
                }
                if (x.due() != null) {
                    g.writeNumberField("due", nanos(x.due()));
                }
            };
        } else if (c instanceof TaskCommand.HandBack x) {
            type = RecordType.HANDED_BACK;
            rest = g -> {
                g.writeNumberField("n", x.attempt());
                g.writeFieldName("err");
                error(g, x.reason());
            };
        } else if (c instanceof TaskCommand.Stop x) {
            type = RecordType.STOPPING;
            rest = g -> g.writeNumberField("n", x.attempt());
        } else {
            type = c instanceof TaskCommand.Cancel ? RecordType.CANCELLED : RecordType.RETRIED;
            rest = g -> {};
        }
        return write(type, g -> {
            g.writeStringField("id", c.id());
            g.writeNumberField("at", nanos(c.at()));
            rest.write(g);
        });
    }

    private JournalRecord write(RecordType type, Fields fields) {
        return out -> {
            try (JsonGenerator g = json.createGenerator(out)) {
                g.writeStartObject();
                g.writeStringField("e", type.code);
                fields.write(g);
                g.writeEndObject();
            }
        };
    }

    private static void view(JsonGenerator g, TaskView v) throws IOException {
        g.writeStringField("st", v.status().wireName());
        g.writeNumberField("n", v.attempts());
        g.writeNumberField("sub", nanos(v.submittedAt()));
        if (v.result() != null) {
            g.writeFieldName("r");
            g.writeTree(v.result());
        }
        if (v.error() != null) {
            g.writeFieldName("err");
            error(g, v.error());
        }
        if (v.startedAt() != null) {
            g.writeNumberField("sa", nanos(v.startedAt()));
        }
        if (v.finishedAt() != null) {
            g.writeNumberField("fa", nanos(v.finishedAt()));
        }
        if (v.worker() != null) {
            g.writeStringField("w", v.worker());
        }
        g.writeArrayFieldStart("h");
        for (TaskView.Attempt a : v.history()) {
            g.writeStartObject();
            g.writeNumberField("n", a.number());
            g.writeNumberField("sa", nanos(a.startedAt()));
            g.writeNumberField("fa", nanos(a.finishedAt()));
            if (a.worker() != null) {
                g.writeStringField("w", a.worker());
            }
            if (a.error() != null) {
                g.writeFieldName("err");
                error(g, a.error());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void spec(JsonGenerator g, TaskSpec s) throws IOException {
        TaskOptions t = s.options();
        g.writeStringField("id", s.id());
        g.writeStringField("name", s.name());
        g.writeFieldName("args");
        g.writeTree(s.args());
        g.writeFieldName("kwargs");
        g.writeTree(s.kwargs());
        g.writeObjectFieldStart("o");
        g.writeStringField("p", t.priority().wireName());
        g.writeNumberField("r", t.maxRetries());
        g.writeNumberField("d", t.retryDelay().toNanos());
        g.writeNumberField("b", t.retryBackoff());
        g.writeNumberField("m", t.retryBackoffMax().toNanos());
        g.writeNumberField("t", t.timeout().toNanos());
        g.writeEndObject();
        if (s.notBefore() != null) {
            g.writeNumberField("nb", nanos(s.notBefore()));
        }
        Parts.schedule(g, s.schedule());
        if (s.callback() != null) {
            g.writeObjectFieldStart("cb");
            g.writeStringField("url", s.callback().url().toString());
            g.writeArrayFieldStart("ev");
            for (TaskState e : s.callback().events()) {
                g.writeString(e.wireName());
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        if (s.then() != null) {
            g.writeFieldName("then");
            g.writeTree(s.then());
        }
        Parts.chain(g, s.chain());
        Parts.group(g, s.group());
    }

    private static void trace(JsonGenerator g, Map<String, String> trace) throws IOException {
        if (!trace.isEmpty()) {
            g.writeObjectFieldStart("tc");
            for (Map.Entry<String, String> e : trace.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        }
    }

    private static void error(JsonGenerator g, TaskError e) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", e.type());
        g.writeStringField("message", e.message());
        if (e.exception() != null) {
            g.writeStringField("exception", e.exception());
        }
        if (e.nonRetryable() != null) {
            g.writeBooleanField("nonRetryable", true);
        }
        g.writeEndObject();
    }

    /** An instant as nanoseconds since the epoch: exact, and cheaper to write and read than ISO-8601. */
    static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** The parts of a task's place (schedule, chain, group), shared by a spec and a finished task's summary. */
    private static final class Parts {
        static void schedule(JsonGenerator g, FromSchedule s) throws IOException {
            if (s != null) {
                g.writeObjectFieldStart("sch");
                g.writeStringField("id", s.id());
                g.writeNumberField("tick", nanos(s.tick()));
                g.writeEndObject();
            }
        }

        static void chain(JsonGenerator g, ChainStep c) throws IOException {
            if (c != null) {
                g.writeObjectFieldStart("ch");
                g.writeStringField("id", c.id());
                g.writeNumberField("s", c.step());
                g.writeNumberField("n", c.steps());
                g.writeEndObject();
            }
        }

        static void group(JsonGenerator g, GroupMember m) throws IOException {
            if (m != null) {
                g.writeObjectFieldStart("gr");
                g.writeStringField("id", m.id());
                g.writeNumberField("i", m.index());
                g.writeNumberField("n", m.size());
                g.writeEndObject();
            }
        }
    }
}
