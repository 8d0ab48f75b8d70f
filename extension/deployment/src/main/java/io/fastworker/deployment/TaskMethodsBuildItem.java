package io.fastworker.deployment;

import io.fastworker.execution.DeclaredTask;
import io.quarkus.builder.item.SimpleBuildItem;
import java.util.List;
import org.jboss.jandex.MethodInfo;

/** The application's {@code @Task} methods, checked, and what each declares. */
final class TaskMethodsBuildItem extends SimpleBuildItem {

    private final List<MethodInfo> methods;
    private final List<DeclaredTask> declared;

    TaskMethodsBuildItem(List<MethodInfo> methods, List<DeclaredTask> declared) {
        this.methods = List.copyOf(methods);
        this.declared = List.copyOf(declared);
    }

    List<MethodInfo> methods() {
        return methods;
    }

    List<DeclaredTask> declared() {
        return declared;
    }
}
