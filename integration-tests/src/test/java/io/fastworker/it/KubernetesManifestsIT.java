package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fastworker.config.FastWorkerConfig;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests of {@code deploy/k8s}, rendered by {@code kubectl kustomize} for every overlay and read
 * into fabric8's typed models (a field the model does not know fails), cross-checked against each other and
 * against the real daemon: selectors, ports, probes, configuration names, the store's volume, the Secret.
 */
class KubernetesManifestsIT {

    static final Path K8S = Path.of("..", "deploy", "k8s");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of("StatefulSet", StatefulSet.class,
            "Deployment", Deployment.class, "Service", Service.class, "ConfigMap", ConfigMap.class, "Secret",
            Secret.class, "PodDisruptionBudget", PodDisruptionBudget.class, "NetworkPolicy", NetworkPolicy.class,
            "HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);
    /** Custom resources of operators the components are for; checked by hand below. */
    static final Set<String> CUSTOM = Set.of("ServiceMonitor", "PodMonitor", "ScaledObject");

    static final Map<String, List<HasMetadata>> rendered = new LinkedHashMap<>();

    @BeforeAll
    static void render() throws Exception {
        try (Stream<Path> overlays = Files.list(K8S.resolve("overlays"))) {
            for (Path o : overlays.sorted().toList()) {
                rendered.put(o.getFileName().toString(), render(o));
            }
        }
        assertTrue(rendered.keySet().containsAll(List.of("jvm", "native", "full", "full-hpa", "local-podman")),
                rendered.keySet()
                        .toString());
    }

    static List<HasMetadata> render(Path overlay) throws Exception {
        Process p = new ProcessBuilder("kubectl", "kustomize", overlay.toString()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "kubectl kustomize " + overlay + ": " + err);
        List<HasMetadata> resources = new ArrayList<>();
        for (JsonNode doc : YAML.readerFor(JsonNode.class).<JsonNode>readValues(out).readAll()) {
            String kind = doc.path("kind").asText();
            if (CUSTOM.contains(kind)) {
                resources.add(YAML.treeToValue(doc, GenericKubernetesResource.class));
                continue;
            }
            Class<? extends HasMetadata> type = KINDS.get(kind);
            assertNotNull(type, overlay + " renders a kind this test does not know: " + kind);
            HasMetadata r = YAML.treeToValue(doc, type);
            noUnknownField(r, kind + "/" + r.getMetadata().getName());
            resources.add(r);
        }
        return resources;
    }

    /** fabric8 keeps fields it does not know in additionalProperties: there must be none, anywhere. */
    static void noUnknownField(Object o, String where) throws Exception {
        if (o == null || !o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            if (o instanceof List<?> l) {
                for (int i = 0; i < l.size(); i++) {
                    noUnknownField(l.get(i), where + "[" + i + "]");
                }
            } else if (o instanceof Map<?, ?> m) {
                for (var e : m.entrySet()) {
                    noUnknownField(e.getValue(), where + "." + e.getKey());
                }
            }
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || !m.getName().startsWith("get") || Modifier.isStatic(m.getModifiers())
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object v = m.invoke(o);
            if (m.getName().equals("getAdditionalProperties")) {
                assertTrue(v == null || ((Map<?, ?>) v).isEmpty(), where + " has fields Kubernetes does not know: "
                        + v);
            } else {
                noUnknownField(v, where + "." + m.getName().substring(3));
            }
        }
    }

    /**
     * The overlays for a Kubernetes cluster (local-podman and local-podman-ha, for podman on one machine, are run for
     * real by PodmanIT and PodmanHaIT).
     */
    static List<String> clusterOverlays() {
        return rendered.keySet().stream().filter(o -> !o.startsWith("local-podman")).toList();
    }

    static <T> List<T> all(String overlay, Class<T> type) {
        return rendered.get(overlay).stream().filter(type::isInstance).map(type::cast).toList();
    }

    static <T extends HasMetadata> T named(String overlay, Class<T> type, String name) {
        return all(overlay, type).stream().filter(r -> r.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(overlay + ": no " + type.getSimpleName() + " " + name));
    }

    /** The pod templates of the workloads, by workload name. */
    static Map<String, PodTemplateSpec> templates(String overlay) {
        Map<String, PodTemplateSpec> t = new LinkedHashMap<>();
        all(overlay, StatefulSet.class).forEach(s -> t.put(s.getMetadata().getName(), s.getSpec().getTemplate()));
        all(overlay, Deployment.class).forEach(d -> t.put(d.getMetadata().getName(), d.getSpec().getTemplate()));
        return t;
    }

    static List<String> matching(String overlay, Map<String, String> selector) {
        return templates(overlay).entrySet().stream().filter(e -> e.getValue().getMetadata().getLabels().entrySet()
                .containsAll(selector.entrySet())).map(Map.Entry::getKey).toList();
    }

    @Test
    void selectorsPickTheirPods() {
        for (String overlay : clusterOverlays()) {
            all(overlay, StatefulSet.class).forEach(s -> assertTrue(s.getSpec().getTemplate().getMetadata()
                    .getLabels().entrySet().containsAll(s.getSpec().getSelector().getMatchLabels().entrySet())));
            all(overlay, Deployment.class).forEach(d -> assertTrue(d.getSpec().getTemplate().getMetadata()
                    .getLabels().entrySet().containsAll(d.getSpec().getSelector().getMatchLabels().entrySet())));
            for (Service s : all(overlay, Service.class)) {
                assertEquals(1, matching(overlay, s.getSpec().getSelector()).size(), overlay + ": Service "
                        + s.getMetadata().getName() + " selects exactly one workload's pods");
            }
            for (PodDisruptionBudget b : all(overlay, PodDisruptionBudget.class)) {
                assertEquals(List.of(b.getMetadata().getName()), matching(overlay, b.getSpec().getSelector()
                        .getMatchLabels()), "a budget covers its own workload");
            }
            for (NetworkPolicy n : all(overlay, NetworkPolicy.class)) {
                assertEquals(List.of("fastworker-control-plane"), matching(overlay, n.getSpec().getPodSelector()
                        .getMatchLabels()));
            }
            var link = ingressTo(overlay, 5555);
            assertEquals(List.of("fastworker-subworker"), matching(overlay, link.getFrom().get(0).getPodSelector()
                    .getMatchLabels()), "only subworkers reach the link port");
        }
    }

    /** The one ingress rule of {@code overlay}'s NetworkPolicies that admits {@code port}. */
    static io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule ingressTo(String overlay,
            int port) {
        var rules = all(overlay, NetworkPolicy.class).stream().flatMap(n -> n.getSpec().getIngress().stream())
                .filter(i -> i.getPorts().stream().anyMatch(p -> p.getPort().getIntVal() == port)).toList();
        assertEquals(1, rules.size(), overlay + ": rules admitting port " + port + ": " + rules);
        return rules.get(0);
    }

    /**
     * The ha overlay: three members started together, one per node, each naming the others by their pod's name
     * through the headless Service (which publishes followers, never ready), the Raft port open to members only, two
     * members kept through voluntary disruptions, and updates left to the operator (a rolling update would wait for
     * followers to be ready).
     */
    @Test
    void theHaOverlayRunsThreeMembersThatFindEachOther() {
        StatefulSet cp = named("ha", StatefulSet.class, "fastworker-control-plane");
        assertEquals(3, cp.getSpec().getReplicas());
        assertEquals("Parallel", cp.getSpec().getPodManagementPolicy(), "a lone member is never ready");
        assertEquals("OnDelete", cp.getSpec().getUpdateStrategy().getType());
        Container c = cp.getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, Integer> ports = new LinkedHashMap<>();
        c.getPorts().forEach(p -> ports.put(p.getName(), p.getContainerPort()));
        String peers = cp.getSpec().getServiceName();
        Map<String, String> env = env(c);
        StringJoiner members = new StringJoiner(",");
        StringJoiner urls = new StringJoiner(",");
        for (int i = 0; i < 3; i++) {
            String pod = cp.getMetadata().getName() + "-" + i; // its host name: the default member id
            members.add(pod + "=" + pod + "." + peers + ":" + ports.get("raft"));
            urls.add(pod + "=http://" + pod + "." + peers + ":" + ports.get("http"));
        }
        assertEquals(members.toString(), env.get("FASTWORKER_CLUSTER_MEMBERS"));
        assertEquals(urls.toString(), env.get("FASTWORKER_CLUSTER_API_URLS"));
        assertTrue(!env.containsKey("FASTWORKER_CLUSTER_MEMBER_ID"), "one spec for every member");
        assertTrue(!env.containsKey("FASTWORKER_CLUSTER_OPEN_TO_NETWORK"), "members talk mutual TLS instead");
        String tlsDir = c.getVolumeMounts().stream().filter(m -> m.getName().equals("raft-tls")).findFirst()
                .orElseThrow().getMountPath();
        assertEquals(tlsDir + "/tls.crt", env.get("FASTWORKER_CLUSTER_TLS_CERT"));
        assertEquals(tlsDir + "/tls.key", env.get("FASTWORKER_CLUSTER_TLS_KEY"));
        assertEquals(tlsDir + "/ca.crt", env.get("FASTWORKER_CLUSTER_TLS_CA"));
        assertEquals("fastworker-raft-tls", cp.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("raft-tls")).findFirst().orElseThrow().getSecret().getSecretName());
        assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getName().equals("data")), "the base's mounts stay");

        Service headless = named("ha", Service.class, peers);
        assertEquals("None", headless.getSpec().getClusterIP());
        assertTrue(headless.getSpec().getPublishNotReadyAddresses(), "followers resolve by name");
        assertTrue(headless.getSpec().getPorts().stream().anyMatch(p -> p.getPort().equals(ports.get("raft"))
                && p.getTargetPort().getStrVal().equals("raft")));
        var raft = ingressTo("ha", ports.get("raft"));
        assertEquals(List.of("fastworker-control-plane"), matching("ha", raft.getFrom().get(0).getPodSelector()
                .getMatchLabels()), "only members reach the Raft port");
        PodDisruptionBudget budget = named("ha", PodDisruptionBudget.class, "fastworker-control-plane");
        assertEquals(2, budget.getSpec().getMinAvailable().getIntVal());
        var apart = cp.getSpec().getTemplate().getSpec().getAffinity().getPodAntiAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution().get(0);
        assertEquals("kubernetes.io/hostname", apart.getTopologyKey());
        assertEquals(List.of("fastworker-control-plane"), matching("ha", apart.getLabelSelector().getMatchLabels()));
        for (String service : List.of("fastworker", "fastworker-link")) {
            assertTrue(!Boolean.TRUE.equals(named("ha", Service.class, service).getSpec()
                    .getPublishNotReadyAddresses()), service + " sends to the ready member (the leader) only");
        }
    }

    @Test
    void portsAddressesAndTheStoreVolumeAgree() {
        for (String overlay : clusterOverlays()) {
            StatefulSet cp = named(overlay, StatefulSet.class, "fastworker-control-plane");
            Container c = cp.getSpec().getTemplate().getSpec().getContainers().get(0);
            Map<String, Integer> ports = new LinkedHashMap<>();
            c.getPorts().forEach(p -> ports.put(p.getName(), p.getContainerPort()));
            Map<String, Integer> expected = new LinkedHashMap<>(Map.of("http", 8080, "link", 5555, "probes", 9000));
            if (overlay.equals("ha")) {
                expected.put("raft", 5557); // the members' Raft port, as fastworker.cluster.members names it
            }
            assertEquals(expected, ports, "quarkus.http.port, fastworker.link.port and fastworker.health.port");
            assertEquals("9000", env(c).get("FASTWORKER_HEALTH_PORT"), "the probes' own port is set");
            ServicePort http = named(overlay, Service.class, "fastworker").getSpec().getPorts().get(0);
            assertEquals("http", http.getTargetPort().getStrVal());
            ServicePort link = named(overlay, Service.class, "fastworker-link").getSpec().getPorts().get(0);
            assertEquals(5555, link.getPort());
            assertEquals("link", link.getTargetPort().getStrVal());
            assertEquals(cp.getSpec().getServiceName(), named(overlay, Service.class, cp.getSpec().getServiceName())
                    .getMetadata().getName());

            String store = env(c).get("FASTWORKER_STORE_PATH");
            assertEquals("data", cp.getSpec().getVolumeClaimTemplates().get(0).getMetadata().getName());
            assertEquals(store, c.getVolumeMounts().stream().filter(m -> m.getName().equals("data")).findFirst()
                    .orElseThrow().getMountPath(), "the task store is on the volume");

            Deployment sw = named(overlay, Deployment.class, "fastworker-subworker");
            Container s = sw.getSpec().getTemplate().getSpec().getContainers().get(0);
            assertEquals(8081, s.getPorts().get(0).getContainerPort(), "a subworker listens on 8081 (its role's "
                    + "quarkus.http.port), where its probes and metrics are");
            assertEquals("8081", sw.getSpec().getTemplate().getMetadata().getAnnotations().get("prometheus.io/port"));
            assertEquals("tcp://fastworker-link:" + link.getPort(),
                    env(s).get("FASTWORKER_CONTROL_PLANE_ADDRESS"), "the subworker dials the link Service");
            long shutdown = Duration.parse(env(s).get("FASTWORKER_SUBWORKER_SHUTDOWN_TIMEOUT")).toSeconds();
            assertTrue(sw.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds() > shutdown,
                    "a scale-down lets running tasks finish");
            assertTrue(cp.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds() > 30,
                    "longer than fastworker.control-plane.drain-timeout (30 s)");
        }
    }

    static Map<String, String> env(Container c) {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar e : c.getEnv()) {
            env.put(e.getName(), e.getValue());
        }
        return env;
    }

    @Test
    void everyFastworkerSettingIsARealOneAndEveryReferenceResolves() throws Exception {
        Set<String> known = new HashSet<>();
        settings(FastWorkerConfig.class, "FASTWORKER", known);
        settings(io.fastworker.cluster.ClusterConfig.class, "FASTWORKER_CLUSTER", known);
        assertTrue(known.contains("FASTWORKER_STORE_PATH") && known.contains("FASTWORKER_SUBWORKER_SHUTDOWN_TIMEOUT"),
                known.toString());
        for (String overlay : rendered.keySet()) {
            for (PodTemplateSpec t : templates(overlay).values()) {
                for (Container c : t.getSpec().getContainers()) {
                    for (EnvVar e : c.getEnv()) {
                        if (e.getName().startsWith("FASTWORKER_")) {
                            assertTrue(known.contains(e.getName()), overlay + ": " + e.getName() + " is no setting");
                        }
                        if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                            var ref = e.getValueFrom().getSecretKeyRef();
                            assertTrue(named(overlay, Secret.class, ref.getName()).getStringData()
                                    .containsKey(ref.getKey()), overlay + ": " + ref);
                        }
                    }
                    c.getEnvFrom().forEach(f -> named(overlay, ConfigMap.class, f.getConfigMapRef().getName())
                            .getData().keySet().forEach(k -> assertTrue(!k.startsWith("FASTWORKER_")
                                    || known.contains(k) || k.equals("FASTWORKER_OTEL_ENABLED"), k)));
                }
                t.getSpec().getVolumes().stream().filter(v -> v.getSecret() != null).forEach(v -> v.getSecret()
                        .getItems().forEach(i -> assertTrue(named(overlay, Secret.class, v.getSecret()
                                .getSecretName()).getStringData().containsKey(i.getKey()))));
            }
        }
    }

    /** The environment names of every setting of a configuration group (kebab-case, as SmallRye maps them). */
    static void settings(Class<?> group, String prefix, Set<String> out) {
        for (Method m : group.getMethods()) {
            if (m.isDefault() || Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 0) {
                continue;
            }
            String name = prefix + "_" + m.getName().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase();
            Class<?> type = m.getReturnType();
            if (type.isInterface() && type.getName().startsWith("io.fastworker.")) {
                settings(type, name, out);
            } else if (!Map.class.isAssignableFrom(type)) {
                out.add(name);
            }
        }
    }

    @Test
    void everyContainerIsLockedDown() {
        for (String overlay : rendered.keySet()) {
            for (var e : templates(overlay).entrySet()) {
                var pod = e.getValue().getSpec();
                assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType(), e.getKey());
                assertTrue(pod.getSecurityContext().getRunAsNonRoot(), e.getKey());
                for (Container c : pod.getContainers()) {
                    assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem(), e.getKey());
                    assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation(), e.getKey());
                    assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop(), e.getKey());
                    assertNotNull(c.getResources().getLimits().get("memory"), e.getKey() + " has a memory limit");
                    if (e.getKey().startsWith("fastworker")) {
                        String jvm = env(c).get("JAVA_TOOL_OPTIONS");
                        assertEquals(!overlay.equals("native"), jvm != null, overlay + ": JVM flags on the JVM only");
                        assertTrue(jvm == null || jvm.contains("MaxRAMPercentage"), "the heap follows the limit");
                        assertEquals("true", e.getValue().getMetadata().getAnnotations().get("prometheus.io/scrape"));
                    }
                }
            }
        }
        for (String overlay : List.of("full", "full-hpa")) {
            List<String> targets = new ArrayList<>();
            all(overlay, HorizontalPodAutoscaler.class).forEach(h -> targets.add(h.getSpec().getScaleTargetRef()
                    .getName()));
            all(overlay, GenericKubernetesResource.class).stream().filter(r -> r.getKind().equals("ScaledObject"))
                    .forEach(r -> targets.add(((Map<?, ?>) r.getAdditionalProperties().get("spec"))
                            .get("scaleTargetRef").toString()));
            assertEquals(1, targets.size(), overlay + ": one autoscaler");
            assertTrue(targets.get(0).contains("fastworker-subworker"), targets.toString());
        }
    }

    @Test
    void theProbesAnswerOnTheRealDaemon() throws Exception {
        Map<String, Set<String>> paths = new LinkedHashMap<>();
        for (var e : templates("jvm").entrySet()) {
            Container c = e.getValue().getSpec().getContainers().get(0);
            Set<String> p = new HashSet<>();
            for (Probe probe : new Probe[] {c.getStartupProbe(), c.getLivenessProbe(), c.getReadinessProbe()}) {
                assertNotNull(probe, e.getKey() + " has startup, liveness and readiness probes");
                assertEquals(e.getKey().equals("fastworker-control-plane") ? "probes" : "http",
                        probe.getHttpGet().getPort().getStrVal(), "the control plane's probes have their own port");
                p.add(probe.getHttpGet().getPath());
            }
            paths.put(e.getKey(), p);
        }
        int probePort = Daemon.freePort();
        try (Daemon cp = Daemon.controlPlane(Map.of("FASTWORKER_HEALTH_PORT", String.valueOf(probePort)));
                Daemon sw = Daemon.subworker(cp.linkAddress(), "probe-w", 1, Map.of(), true)) {
            for (String path : paths.get("fastworker-control-plane")) {
                HttpResponse<String> r = Daemon.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                        "http://127.0.0.1:" + probePort + path)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), "control plane " + path + " on its probe port: " + r.body());
            }
            for (String path : paths.get("fastworker-subworker")) {
                HttpResponse<String> r = sw.get(path);
                assertEquals(200, r.statusCode(), "subworker " + path + ": " + r.body());
            }
            assertEquals(200, cp.get(named("jvm", StatefulSet.class, "fastworker-control-plane").getSpec()
                    .getTemplate().getMetadata().getAnnotations().get("prometheus.io/path")).statusCode());
        }
    }
}
