package io.fastworker.deployment;

import io.quarkus.builder.item.SimpleBuildItem;
import java.util.List;
import org.jboss.jandex.MethodInfo;

/** The application's {@code @Task} methods, checked. */
final class TaskMethodsBuildItem extends SimpleBuildItem {

    private final List<MethodInfo> methods;

    TaskMethodsBuildItem(List<MethodInfo> methods) {
        this.methods = List.copyOf(methods);
    }

    List<MethodInfo> methods() {
        return methods;
    }
}
