package io.fastworker.bench.jobrunr;

import static org.jobrunr.server.BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration;

import java.time.Duration;
import java.util.stream.IntStream;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.scheduling.BackgroundJob;
import org.jobrunr.storage.InMemoryStorageProvider;

/**
 * The JobRunr side of the burn-down: {@code tasks} noop jobs enqueued in one JVM with JobRunr's in-memory storage
 * (no network hop, no database), then waited for. Prints one JSON line: enqueue and completion rates.
 *
 * <pre>java -jar bench/jobrunr/target/jobrunr-peer.jar TASKS WORKERS</pre>
 */
public final class JobRunrPeer {

    /** The job: does nothing, like FastWorker's and Celery's {@code noop}. */
    public static void noop() {
    }

    public static void main(String[] args) throws Exception {
        int tasks = Integer.parseInt(args[0]);
        int workers = Integer.parseInt(args[1]);
        InMemoryStorageProvider storage = new InMemoryStorageProvider();
        JobRunr.configure().useStorageProvider(storage)
                .useBackgroundJobServer(usingStandardBackgroundJobServerConfiguration().andWorkerCount(workers)
                        // JobRunr refuses a poll interval under 5 s; the shortest it allows.
                        .andPollInterval(Duration.ofSeconds(5)))
                .initialize();
        long t0 = System.nanoTime();
        BackgroundJob.enqueue(IntStream.range(0, tasks).boxed(), i -> JobRunrPeer.noop());
        double enqueueSeconds = (System.nanoTime() - t0) / 1e9;
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (storage.countJobs(StateName.SUCCEEDED) < tasks) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("JobRunr did not finish " + tasks + " jobs in 10 minutes");
            }
            Thread.sleep(20);
        }
        double doneSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("{\"peer\":\"JobRunr %s\",\"tasks\":%d,\"workers\":%d,\"enqueueRate\":%.1f,"
                + "\"completionRate\":%.1f}%n", JobRunr.class.getPackage().getImplementationVersion(), tasks,
                workers, tasks / enqueueSeconds, tasks / doneSeconds);
        System.exit(0);
    }
}
