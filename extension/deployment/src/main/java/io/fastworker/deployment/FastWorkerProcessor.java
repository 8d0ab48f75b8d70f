package io.fastworker.deployment;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.execution.DeclaredTask;
import io.fastworker.execution.DeclaredTasks;
import io.fastworker.execution.TaskRecorder;
import io.fastworker.task.Priority;
import io.fastworker.task.Task;
import io.quarkus.arc.deployment.BeanDiscoveryFinishedBuildItem;
import io.quarkus.arc.deployment.SyntheticBeanBuildItem;
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
import jakarta.inject.Singleton;
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
        List<DeclaredTask> declared = new ArrayList<>();
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
            DeclaredTask task = declared(taskName, method, annotation);
            task.problems().forEach(p -> problems.add(where + ": " + p));
            declared.add(task);
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
        return new TaskMethodsBuildItem(methods, declared);
    }

    /** The checked task methods, as the {@link DeclaredTasks} bean the run time binds. */
    @BuildStep
    @Record(ExecutionTime.STATIC_INIT)
    SyntheticBeanBuildItem declareTasks(TaskRecorder recorder, TaskMethodsBuildItem tasks) {
        return SyntheticBeanBuildItem.configure(DeclaredTasks.class).scope(Singleton.class)
                .supplier(recorder.declared(tasks.declared())).done();
    }

    /** Start-up reads the configuration mapping's methods and their range annotations reflectively. */
    @BuildStep
    ReflectiveClassBuildItem configMapping() {
        List<String> types = new ArrayList<>();
        List<Class<?>> parts = new ArrayList<>(List.of(FastWorkerConfig.class.getInterfaces()));
        parts.add(FastWorkerConfig.class);
        for (Class<?> part : parts) {
            types.add(part.getName());
            for (Class<?> group : part.getDeclaredClasses()) {
                types.add(group.getName());
            }
        }
        return ReflectiveClassBuildItem.builder(types.toArray(String[]::new)).methods().build();
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

    /** What {@code a} declares for the task {@code name}, with the annotation's defaults where it is silent. */
    private static DeclaredTask declared(String name, MethodInfo m, AnnotationInstance a) {
        List<String> parameters = new ArrayList<>();
        for (int i = 0; i < m.parametersCount(); i++) {
            parameters.add(parameterName(m, i));
        }
        AnnotationValue priority = a.value("priority");
        AnnotationValue doNotRetry = a.value("doNotRetry");
        List<String> finals = new ArrayList<>();
        if (doNotRetry != null) {
            for (Type t : doNotRetry.asClassArray()) {
                finals.add(t.name().toString());
            }
        }
        return new DeclaredTask(name, m.declaringClass().name().toString(), m.name(), parameters,
                priority == null ? Priority.NORMAL : Priority.valueOf(priority.asEnum()),
                intValue(a, "maxRetries", -1), text(a, "retryDelay", ""), doubleValue(a, "retryBackoff"),
                text(a, "retryBackoffMax", ""), text(a, "timeout", ""), intValue(a, "maxConcurrency", 0),
                text(a, "rateLimit", ""), text(a, "cron", ""), text(a, "timezone", "UTC"), finals);
    }

    private static int intValue(AnnotationInstance a, String name, int otherwise) {
        AnnotationValue v = a.value(name);
        return v == null ? otherwise : v.asInt();
    }

    private static double doubleValue(AnnotationInstance a, String name) {
        AnnotationValue v = a.value(name);
        return v == null ? 0 : v.asDouble();
    }

    private static String text(AnnotationInstance a, String name, String otherwise) {
        AnnotationValue v = a.value(name);
        return v == null ? otherwise : v.asString();
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
