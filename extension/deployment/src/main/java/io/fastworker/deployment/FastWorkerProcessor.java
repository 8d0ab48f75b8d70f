package io.fastworker.deployment;

import io.fastworker.execution.Durations;
import io.fastworker.execution.TaskOptions;
import io.fastworker.execution.TaskRecorder;
import io.fastworker.limit.Limit;
import io.fastworker.limit.Rate;
import io.fastworker.schedule.Timing;
import io.fastworker.task.Task;
import io.quarkus.arc.deployment.BeanDiscoveryFinishedBuildItem;
import io.quarkus.arc.deployment.UnremovableBeanBuildItem;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.annotations.ExecutionTime;
import io.quarkus.deployment.annotations.Record;
import io.quarkus.deployment.builditem.CombinedIndexBuildItem;
import io.quarkus.deployment.builditem.FeatureBuildItem;
import io.quarkus.deployment.builditem.nativeimage.ReflectiveClassBuildItem;
import io.quarkus.deployment.builditem.nativeimage.ReflectiveHierarchyBuildItem;
import jakarta.enterprise.inject.spi.DeploymentException;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.AnnotationTarget;
import org.jboss.jandex.AnnotationValue;
import org.jboss.jandex.ClassInfo;
import org.jboss.jandex.DotName;
import org.jboss.jandex.IndexView;
import org.jboss.jandex.MethodInfo;
import org.jboss.jandex.Type;

/**
 * Build steps of the FastWorker extension: finds every {@link Task} method of the application (as
 * {@code quarkus-scheduler} finds {@code @Scheduled} ones), fails the build on a bad one with a message naming the
 * class, the method and the problem, keeps the task beans, registers them for reflection in a native image, and
 * hands the list to the runtime.
 */
class FastWorkerProcessor {

    static final String FEATURE = "fastworker";
    static final DotName TASK = DotName.createSimple(Task.class.getName());

    @BuildStep
    FeatureBuildItem feature() {
        return new FeatureBuildItem(FEATURE);
    }

    /** Task beans are looked up, never injected: without this they would be removed as unused. */
    @BuildStep
    UnremovableBeanBuildItem keepTaskBeans(CombinedIndexBuildItem combined) {
        Set<String> classes = new HashSet<>();
        for (AnnotationInstance annotation : combined.getIndex().getAnnotations(TASK)) {
            if (annotation.target().kind() == AnnotationTarget.Kind.METHOD) {
                classes.add(annotation.target().asMethod().declaringClass().name().toString());
            }
        }
        return UnremovableBeanBuildItem.beanClassNames(classes);
    }

    @BuildStep
    TaskMethodsBuildItem findTasks(CombinedIndexBuildItem combined, BeanDiscoveryFinishedBuildItem beans) {
        IndexView index = combined.getIndex();
        JsonBinding binding = new JsonBinding(index);
        List<String> problems = new ArrayList<>();
        Map<String, MethodInfo> byName = new LinkedHashMap<>();
        List<MethodInfo> methods = new ArrayList<>();
        for (AnnotationInstance annotation : index.getAnnotations(TASK)) {
            if (annotation.target().kind() != AnnotationTarget.Kind.METHOD) {
                continue;
            }
            MethodInfo method = annotation.target().asMethod();
            String where = "@Task method " + signature(method);
            ClassInfo owner = method.declaringClass();
            int flags = method.flags();
            if (!Modifier.isPublic(flags)) {
                problems.add(where + " must be public");
            }
            if (Modifier.isStatic(flags)) {
                problems.add(where + " must not be static: it runs on an instance of its bean");
            }
            if (Modifier.isInterface(owner.flags()) || Modifier.isAbstract(flags)) {
                problems.add(where + " must be a method of a concrete bean class, not of an interface or an "
                        + "abstract method");
            } else if (beans.beanStream().classBeans().withBeanClass(owner.name()).isEmpty()) {
                problems.add(where + " is declared by " + owner.name() + ", which is not a CDI bean: annotate the "
                        + "class @ApplicationScoped (or @Singleton)");
            }
            String name = stringValue(annotation, "name");
            String taskName = name == null || name.isBlank() ? method.name() : name;
            MethodInfo previous = byName.putIfAbsent(taskName, method);
            if (previous != null) {
                problems.add("task name '" + taskName + "' is declared twice: by " + signature(previous) + " and by "
                        + signature(method) + "; give one of them another @Task(name = ...)");
            }
            for (MethodInfo other : methods) {
                if (other.declaringClass().name().equals(owner.name()) && other.name().equals(method.name())
                        && other.parametersCount() == method.parametersCount()) {
                    problems.add(where + " overloads " + signature(other) + " with as many parameters; rename one");
                }
            }
            problems.addAll(options(where, annotation));
            for (int i = 0; i < method.parametersCount(); i++) {
                String problem = binding.problem(method.parameterType(i), false);
                if (problem != null) {
                    problems.add(where + ": parameter '" + parameterName(method, i) + "' (" + method.parameterType(i)
                            + ") cannot be bound from JSON: " + problem);
                }
            }
            String result = binding.problem(method.returnType(), true);
            if (result != null) {
                problems.add(where + ": its result (" + method.returnType() + ") cannot be written as JSON: "
                        + result);
            }
            methods.add(method);
        }
        if (!problems.isEmpty()) {
            throw new DeploymentException("FastWorker found " + problems.size() + " bad task(s):\n  - "
                    + String.join("\n  - ", problems));
        }
        return new TaskMethodsBuildItem(methods);
    }

    @BuildStep
    @Record(ExecutionTime.STATIC_INIT)
    void declareTasks(TaskRecorder recorder, TaskMethodsBuildItem tasks) {
        List<String> entries = new ArrayList<>();
        for (MethodInfo m : tasks.methods()) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < m.parametersCount(); i++) {
                names.add(parameterName(m, i));
            }
            entries.add(m.declaringClass().name() + "#" + m.name() + "#" + String.join(",", names));
        }
        recorder.declare(entries);
    }

    /** A native image needs to call the task methods and bind their arguments and results reflectively. */
    @BuildStep
    void registerForReflection(TaskMethodsBuildItem tasks, CombinedIndexBuildItem combined,
            BuildProducer<ReflectiveClassBuildItem> classes, BuildProducer<ReflectiveHierarchyBuildItem> types) {
        classes.produce(ReflectiveClassBuildItem.builder(Task.class).methods().build());
        for (MethodInfo m : tasks.methods()) {
            classes.produce(ReflectiveClassBuildItem.builder(m.declaringClass().name().toString()).methods().build());
            for (Type t : m.parameterTypes()) {
                types.produce(ReflectiveHierarchyBuildItem.builder(t).index(combined.getIndex())
                        .source("@Task " + signature(m)).build());
            }
            if (m.returnType().kind() != Type.Kind.VOID) {
                types.produce(ReflectiveHierarchyBuildItem.builder(m.returnType()).index(combined.getIndex())
                        .source("@Task " + signature(m)).build());
            }
            AnnotationValue doNotRetry = m.annotation(TASK).value("doNotRetry");
            if (doNotRetry != null) {
                for (Type t : doNotRetry.asClassArray()) {
                    classes.produce(ReflectiveClassBuildItem.builder(t.name().toString()).build());
                }
            }
        }
    }

    /** What is wrong with the option values written in the annotation, if anything. */
    private static List<String> options(String where, AnnotationInstance a) {
        List<String> problems = new ArrayList<>();
        AnnotationValue retries = a.value("maxRetries");
        if (retries != null && (retries.asInt() < -1 || retries.asInt() > TaskOptions.MAX_RETRIES)) {
            problems.add(where + ": maxRetries must be from 0 to " + TaskOptions.MAX_RETRIES + " (or -1 for the "
                    + "configured default), got " + retries.asInt());
        }
        AnnotationValue backoff = a.value("retryBackoff");
        if (backoff != null && backoff.asDouble() != 0
                && !(backoff.asDouble() >= 1 && backoff.asDouble() <= TaskOptions.MAX_RETRY_BACKOFF)) {
            problems.add(where + ": retryBackoff must be from 1.0 to " + TaskOptions.MAX_RETRY_BACKOFF
                    + " (or 0 for the configured default), got " + backoff.asDouble());
        }
        for (String option : List.of("retryDelay", "retryBackoffMax", "timeout")) {
            duration(where, a, option, problems);
        }
        AnnotationValue concurrency = a.value("maxConcurrency");
        if (concurrency != null && (concurrency.asInt() < 0 || concurrency.asInt() > Limit.MAX_CONCURRENCY)) {
            problems.add(where + ": maxConcurrency must be from 1 to " + Limit.MAX_CONCURRENCY + " (or 0 for no "
                    + "bound), got " + concurrency.asInt());
        }
        String rate = stringValue(a, "rateLimit");
        if (rate != null && !rate.isBlank()) {
            try {
                Rate.parse(rate);
            } catch (IllegalArgumentException e) {
                problems.add(where + ": rateLimit: " + e.getMessage());
            }
        }
        String cron = stringValue(a, "cron");
        if (cron != null && !cron.isBlank()) {
            try {
                String zone = stringValue(a, "timezone");
                new Timing.Cron(cron, java.time.ZoneId.of(zone == null ? "UTC" : zone));
            } catch (IllegalArgumentException | java.time.DateTimeException e) {
                problems.add(where + ": " + e.getMessage());
            }
        }
        return problems;
    }

    private static void duration(String where, AnnotationInstance a, String option, List<String> problems) {
        String text = stringValue(a, option);
        if (text == null || text.isBlank()) {
            return;
        }
        try {
            String problem = TaskOptions.problem(option, Durations.parse(text));
            if (problem != null) {
                problems.add(where + ": " + option + " " + problem);
            }
        } catch (IllegalArgumentException e) {
            problems.add(where + ": " + option + ": " + e.getMessage());
        }
    }

    private static String stringValue(AnnotationInstance a, String name) {
        AnnotationValue v = a.value(name);
        return v == null ? null : v.asString();
    }

    static String parameterName(MethodInfo m, int i) {
        String name = m.parameterName(i);
        return name == null ? "arg" + i : name;
    }

    static String signature(MethodInfo m) {
        List<String> types = new ArrayList<>();
        for (Type t : m.parameterTypes()) {
            types.add(t.toString());
        }
        return m.declaringClass().name() + "." + m.name() + "(" + String.join(", ", types) + ")";
    }
}
