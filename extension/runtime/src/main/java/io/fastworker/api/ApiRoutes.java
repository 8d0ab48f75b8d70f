package io.fastworker.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every path FastWorker's API serves and the methods each takes, as the build found them on its resources (so this
 * list cannot drift from them): what a 404 lists, what a 405 allows, and which paths FastWorker's authentication
 * answers for. Paths are templates below the HTTP root path ({@code /tasks/{id}}); a {@code {name}} matches one path
 * segment.
 */
public final class ApiRoutes {

    /** What FastWorker serves beside its API resources, for a 404's list. */
    static final List<String> BESIDE_THE_API = List.of("/ui/ (the dashboard)", "/q/health", "/q/metrics",
            "/q/openapi (this API, described)", "/q/swagger-ui (in dev mode, or with quarkus.swagger-ui.enabled)");

    /** What FastWorker's authentication guards beside the API's resources (below the non-application root). */
    public static final List<String> GUARDED_BESIDE = List.of("/q/metrics", "/q/openapi", "/q/swagger-ui");

    private final Map<String, Set<String>> methodsByTemplate = new TreeMap<>();

    /** @param routes {@code "METHOD /path/{template}"}, one per resource method */
    public ApiRoutes(List<String> routes) {
        for (String route : routes) {
            int space = route.indexOf(' ');
            if (space < 0) {
                throw new IllegalArgumentException("a route is 'METHOD /path', got '" + route + "'");
            }
            methodsByTemplate.computeIfAbsent(route.substring(space + 1), t -> new TreeSet<>())
                    .add(route.substring(0, space));
        }
    }

    /** The path templates, sorted. */
    public List<String> templates() {
        return List.copyOf(methodsByTemplate.keySet());
    }

    /**
     * Whether FastWorker's authentication answers for {@code path} (a request's path, root path included): its API
     * paths, {@code /q/metrics} and the API's description; every other path is the application's to guard.
     */
    public boolean guards(String path) {
        if (path == null) {
            return false;
        }
        for (String p : guarded()) {
            if (path.equals(p) || path.startsWith(p + "/")) {
                return true;
            }
        }
        return false;
    }

    private volatile List<String> guarded;

    private List<String> guarded() {
        List<String> g = guarded;
        if (g == null) {
            String root = io.fastworker.security.Authentication.rootPath();
            List<String> paths = new ArrayList<>();
            prefixes().forEach(p -> paths.add(root + p.substring(1)));
            paths.addAll(GUARDED_BESIDE);
            guarded = g = List.copyOf(paths);
        }
        return g;
    }

    /** The first segment of every path, e.g. {@code /tasks}: what FastWorker's authentication answers for. */
    public Set<String> prefixes() {
        Set<String> prefixes = new TreeSet<>();
        for (String t : methodsByTemplate.keySet()) {
            int next = t.indexOf('/', 1);
            String first = next < 0 ? t : t.substring(0, next);
            if (first.equals("/ui")) {
                first = t; // the dashboard's own files are open; only its API paths are FastWorker's to guard
            }
            prefixes.add(first);
        }
        return prefixes;
    }

    /**
     * The methods {@code path} (below the root path) takes, as {@code Allow} lists them ({@code "GET, POST"}); the
     * union over every template it matches, or null when it matches none.
     */
    public String allowed(String path) {
        String p = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        String[] segments = p.split("/", -1);
        Set<String> methods = new TreeSet<>();
        methodsByTemplate.forEach((template, m) -> {
            if (matches(template.split("/", -1), segments)) {
                methods.addAll(m);
            }
        });
        return methods.isEmpty() ? null : String.join(", ", order(methods));
    }

    private static boolean matches(String[] template, String[] segments) {
        if (template.length != segments.length) {
            return false;
        }
        for (int i = 0; i < template.length; i++) {
            boolean variable = template[i].startsWith("{") && template[i].endsWith("}");
            if (!(variable ? !segments[i].isEmpty() : template[i].equals(segments[i]))) {
                return false;
            }
        }
        return true;
    }

    /** GET first, then the others in the order HTTP lists them. */
    private static List<String> order(Set<String> methods) {
        List<String> known = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
        List<String> out = new ArrayList<>();
        known.stream().filter(methods::contains).forEach(out::add);
        methods.stream().filter(m -> !known.contains(m)).forEach(out::add);
        return out;
    }

    /** The detail of a 404: every path, with its methods. */
    public String notFoundDetail() {
        List<String> paths = new ArrayList<>();
        methodsByTemplate.forEach((t, m) -> paths.add(t + " (" + String.join(", ", order(m)) + ")"));
        paths.addAll(BESIDE_THE_API);
        return "no such resource; FastWorker serves " + String.join(", ", paths);
    }
}
