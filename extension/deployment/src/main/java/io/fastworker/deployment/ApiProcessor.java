package io.fastworker.deployment;

import io.fastworker.api.ApiRecorder;
import io.fastworker.api.ApiRoutes;
import io.quarkus.arc.deployment.SyntheticBeanBuildItem;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.annotations.ExecutionTime;
import io.quarkus.deployment.annotations.Record;
import io.quarkus.deployment.builditem.CombinedIndexBuildItem;
import io.quarkus.vertx.http.deployment.HttpRootPathBuildItem;
import io.quarkus.vertx.http.deployment.RouteBuildItem;
import io.quarkus.vertx.http.runtime.RouteConstants;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.AnnotationTarget;
import org.jboss.jandex.ClassInfo;
import org.jboss.jandex.DotName;
import org.jboss.jandex.IndexView;
import org.jboss.jandex.MethodInfo;

/**
 * Build steps of FastWorker's HTTP surface: the table of its API's routes, read off its resources, and the
 * dashboard's redirects and security headers.
 */
class ApiProcessor {

    static final DotName PATH = DotName.createSimple("jakarta.ws.rs.Path");
    /** The HTTP methods of Jakarta REST, as annotations of that name in {@code jakarta.ws.rs}. */
    static final List<String> VERBS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
    /** FastWorker's own resources: its API. */
    static final String API_PACKAGE = "io.fastworker.api";
    /** Just before the static resources (10,000): the dashboard's headers go on whatever is served below /ui/. */
    static final int BEFORE_STATIC = RouteConstants.ROUTE_ORDER_DEFAULT - 1;
    /** After the static resources, before the REST resources (20,000 and up). */
    static final int AFTER_STATIC = RouteConstants.ROUTE_ORDER_DEFAULT + 100;

    @BuildStep
    @Record(ExecutionTime.STATIC_INIT)
    SyntheticBeanBuildItem apiRoutes(CombinedIndexBuildItem combined, ApiRecorder recorder) {
        return SyntheticBeanBuildItem.configure(ApiRoutes.class).scope(Singleton.class).unremovable()
                .supplier(recorder.routes(routes(combined.getIndex(), API_PACKAGE))).done();
    }

    /**
     * {@code /ui} and {@code /} take a browser to the dashboard at {@code /ui/}: after the static resources, so an
     * application's own {@code index.html} wins; {@code /} only where none of the application's own resources
     * answers GET there.
     */
    @BuildStep
    @Record(ExecutionTime.RUNTIME_INIT)
    void dashboardPaths(CombinedIndexBuildItem combined, HttpRootPathBuildItem root, ApiRecorder recorder,
            BuildProducer<RouteBuildItem> routes) {
        String dashboard = root.resolvePath("ui") + "/";
        routes.produce(RouteBuildItem.builder().orderedRoute("/ui", AFTER_STATIC)
                .handler(recorder.redirectTo(dashboard)).build());
        List<String> all = routes(combined.getIndex(), "");
        if (!all.contains("GET /") && !all.contains("HEAD /")) {
            routes.produce(RouteBuildItem.builder().orderedRoute("/", AFTER_STATIC)
                    .handler(recorder.redirectTo(dashboard)).build());
        }
        routes.produce(RouteBuildItem.builder().orderedRoute("/ui/*", BEFORE_STATIC)
                .handler(recorder.dashboardHeaders()).build());
    }

    /** {@code "METHOD /path"} of every resource method of the classes in {@code pkg} (every package: ""). */
    static List<String> routes(IndexView index, String pkg) {
        List<String> routes = new ArrayList<>();
        for (AnnotationInstance classPath : index.getAnnotations(PATH)) {
            if (classPath.target().kind() != AnnotationTarget.Kind.CLASS) {
                continue;
            }
            ClassInfo resource = classPath.target().asClass();
            if (!resource.name().toString().startsWith(pkg)) {
                continue;
            }
            for (MethodInfo m : resource.methods()) {
                for (String verb : VERBS) {
                    if (m.declaredAnnotation(DotName.createSimple("jakarta.ws.rs." + verb)) == null) {
                        continue;
                    }
                    AnnotationInstance methodPath = m.declaredAnnotation(PATH);
                    routes.add(verb + " " + join(classPath.value().asString(),
                            methodPath == null ? "" : methodPath.value().asString()));
                }
            }
        }
        return routes;
    }

    /** {@code /tasks} and {@code {id}/retry} as one normalised path: {@code /tasks/{id}/retry}. */
    static String join(String classPath, String methodPath) {
        StringBuilder b = new StringBuilder();
        for (String part : (classPath + "/" + methodPath).split("/")) {
            if (!part.isEmpty()) {
                b.append('/').append(part);
            }
        }
        return b.length() == 0 ? "/" : b.toString();
    }
}
