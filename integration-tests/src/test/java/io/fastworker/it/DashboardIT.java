package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard at {@code /ui} in a real browser (Debian's headless Chromium, driven by Selenium) against a control
 * plane and two subworkers as separate processes. Screenshots of each page go to target/screenshots.
 */
class DashboardIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SHOTS = Path.of("target", "screenshots");
    static final String TRACE_URL = "http://traces.example/trace/{traceId}";
    static OtlpReceiver receiver;
    static Daemon cp;
    static Daemon w1;
    static Daemon w2;
    static ChromeDriver browser;

    @BeforeAll
    static void start() throws Exception {
        boolean here = Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER);
        Assumptions.assumeTrue(here || System.getenv("FASTWORKER_REQUIRE_CHROMIUM") != null,
                "no Chromium and chromedriver (apt-get install chromium chromium-driver); skipped");
        assertTrue(here, "FASTWORKER_REQUIRE_CHROMIUM is set but Chromium or chromedriver is missing");
        Files.createDirectories(SHOTS);
        receiver = new OtlpReceiver();
        Map<String, String> env = new HashMap<>(receiver.env("fastworker-control-plane"));
        env.put("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false");
        env.put("FASTWORKER_UI_TRACE_URL", TRACE_URL);
        cp = Daemon.controlPlane(env);
        w1 = Daemon.subworker(cp.linkAddress(), "ui-w1", 2, Map.of(), true);
        w2 = Daemon.subworker(cp.linkAddress(), "ui-w2", 2, Map.of(), true);
        browser = browser();
    }

    static ChromeDriver browser() {
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        for (Daemon d : new Daemon[] {w2, w1, cp}) {
            if (d != null) {
                d.close();
            }
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    static WebDriverWait waiting(ChromeDriver b) {
        return new WebDriverWait(b, Duration.ofSeconds(20));
    }

    static void screenshot(ChromeDriver b, String name) throws Exception {
        File shot = b.getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** The subworkers' completed counts as the page shows them now (read at once: the page redraws each second). */
    static long completedOnSubworkers() {
        Object sum = browser.executeScript("return [...document.querySelectorAll('#workers tbody tr')]"
                + ".filter(r => r.dataset.worker.startsWith('ui-w'))"
                + ".reduce((n, r) => n + Number(r.querySelector('.completed').textContent), 0);");
        return ((Number) sum).longValue();
    }

    @Test
    void theWorkersPageListsBothSubworkersAndTheirCountsGoUp() throws Exception {
        browser.get(cp.url() + "/ui/#/workers");
        waiting(browser).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-worker='ui-w2']")));
        assertEquals(1, browser.findElements(By.cssSelector("tr[data-worker='ui-w1']")).size());
        long before = completedOnSubworkers();
        for (int i = 0; i < 20; i++) {
            assertEquals(200, cp.post("/tasks?wait=10s", "{\"task\": \"add\", \"args\": [" + i + ", 1]}").statusCode());
        }
        waiting(browser).until(b -> completedOnSubworkers() >= before + 20);
        screenshot(browser, "workers");
    }

    @Test
    void aSubmittedTaskIsListedAndItsDetailShowsItsAttempts() throws Exception {
        String id = JSON.readTree(cp.post("/tasks?wait=10s", "{\"task\": \"add\", \"args\": [2, 3]}").body()).get("id")
                .asText();
        browser.get(cp.url() + "/ui/#/tasks?task=add");
        waiting(browser).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-task='" + id
                + "'] a"))).click();
        waiting(browser).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#attempts tbody tr")));
        assertEquals("5", browser.findElement(By.id("result")).getText());
        assertEquals("success", browser.findElement(By.cssSelector("[data-fact='status']")).getText());
        List<WebElement> attempts = browser.findElements(By.cssSelector("#attempts tbody tr"));
        assertEquals(1, attempts.size());
        assertTrue(attempts.get(0).getText().contains("ui-w"), attempts.get(0).getText());
        screenshot(browser, "task");
        browser.get(cp.url() + "/ui/#/tasks");
        waiting(browser).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#tasks tbody tr")));
        screenshot(browser, "tasks");
    }

    @Test
    void aRunningTasksProgressIsABarThatGrowsOnItsPageAndInTheList() throws Exception {
        String id = JSON.readTree(cp.post("/tasks", "{\"task\": \"steps\", \"args\": [20, 300]}").body()).get("id")
                .asText();
        browser.get(cp.url() + "/ui/#/tasks/" + id);
        WebElement bar = waiting(browser).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(
                "#progress progress")));
        double first = Double.parseDouble(bar.getDomAttribute("value"));
        assertTrue(first > 0 && first < 1, "a fraction: " + first);
        assertTrue(browser.findElement(By.id("progress")).getText().matches("\\d+% step \\d+ of 20 .*"),
                browser.findElement(By.id("progress")).getText());
        waiting(browser).until(b -> Double.parseDouble(b.findElement(By.cssSelector("#progress progress"))
                .getDomAttribute("value")) > first); // redrawn from event: progress, no reload
        screenshot(browser, "progress");
        browser.get(cp.url() + "/ui/#/tasks?task=steps");
        waiting(browser).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("tr[data-task='" + id
                + "'] .status progress")));
        waiting(browser).until(b -> b.findElements(By.cssSelector("tr[data-task='" + id + "'] .status progress"))
                .isEmpty()
                && b.findElement(By.cssSelector("tr[data-task='" + id + "'] .status")).getText()
                        .equals("success")); // the bar goes once it has finished
    }

    @Test
    void cancellingAQueuedTaskFromTheDashboardCancelsIt() throws Exception {
        String id = JSON.readTree(cp.post("/tasks", "{\"task\": \"noop\", \"countdown\": \"PT1H\"}").body()).get("id")
                .asText();
        browser.get(cp.url() + "/ui/#/tasks/" + id);
        waiting(browser).until(ExpectedConditions.elementToBeClickable(By.id("cancel"))).click();
        waiting(browser).until(ExpectedConditions.alertIsPresent()).accept();
        waiting(browser).until(b -> {
            try {
                return JSON.readTree(cp.get("/tasks/" + id).body()).get("status").asText().equals("cancelled");
            } catch (Exception e) {
                return false;
            }
        });
        waiting(browser).until(ExpectedConditions.textToBe(By.cssSelector("[data-fact='status']"), "cancelled"));
    }

    @Test
    void withApiKeysOnItShowsNothingUntilAKeyWithTheReadRoleIsGiven() throws Exception {
        Path keys = Files.createTempFile("ui-keys-", "");
        Files.writeString(keys, "viewer read " + ApiAuthIT.sha256("ui-read-key") + "\nfeeder submit "
                + ApiAuthIT.sha256("ui-submit-key") + "\n");
        ChromeDriver other = browser();
        try (Daemon secured = Daemon.controlPlane(Map.of("FASTWORKER_API_AUTH_KEYS_FILE", keys.toString()))) {
            other.get(secured.url() + "/ui/#/workers");
            waiting(other).until(ExpectedConditions.visibilityOfElementLocated(By.id("login")));
            assertTrue(other.findElements(By.cssSelector("#workers")).isEmpty(), "no data without a key");
            assertTrue(!other.getPageSource().contains("control-plane</td>"), "no worker shown");
            screenshot(other, "login");
            other.findElement(By.id("key")).sendKeys("not-the-key");
            other.findElement(By.cssSelector("#login button")).click();
            waiting(other).until(ExpectedConditions.textToBe(By.id("login-error"), "That key was refused."));
            assertTrue(other.findElements(By.cssSelector("#workers")).isEmpty());
            other.findElement(By.id("key")).sendKeys("ui-read-key");
            other.findElement(By.cssSelector("#login button")).click();
            waiting(other).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(
                    "tr[data-worker='control-plane']")));
            assertTrue(!other.getCurrentUrl().contains("ui-read-key"), "the key is never in a URL");

            // A read key sees a task but cannot cancel it: the page says why, and the task stays as it was.
            var made = secured.post("/tasks", "{\"task\": \"noop\", \"countdown\": \"PT1H\"}",
                    ApiAuthIT.bearer("ui-submit-key"));
            assertEquals(202, made.statusCode(), made.body());
            String id = JSON.readTree(made.body()).get("id").asText();
            other.get(secured.url() + "/ui/#/tasks/" + id);
            waiting(other).until(ExpectedConditions.elementToBeClickable(By.id("cancel"))).click();
            waiting(other).until(ExpectedConditions.alertIsPresent()).accept();
            waiting(other).until(ExpectedConditions.visibilityOfElementLocated(By.id("notice")));
            Thread.sleep(1500); // a redraw or two later it is still shown
            String said = other.findElement(By.id("notice")).getText();
            assertTrue(said.startsWith("Cancel this task was refused: ") && said.contains("admin"), said);
            var still = secured.request("GET", "/tasks/" + id, null, ApiAuthIT.bearer("ui-read-key"));
            assertEquals("scheduled", JSON.readTree(still.body()).get("status").asText(), still.body());
        } finally {
            other.quit();
            Files.deleteIfExists(keys);
        }
    }

    static String submit(String json) throws Exception {
        var r = cp.post("/tasks", json);
        assertEquals(202, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    static String text(String css) {
        return browser.findElement(By.cssSelector(css)).getText();
    }

    static <T> T await(java.util.concurrent.Callable<T> read, java.util.function.Predicate<T> done, String what)
            throws Exception {
        return Daemon.await(read, done, Duration.ofSeconds(20), what);
    }

    @Test
    void theOverviewChartsThroughputAndShowsQueueDepthAndTasksHeldByALimit() throws Exception {
        assertEquals(200, cp.request("PUT", "/limits/sleep", "{\"maxConcurrency\": 1}",
                Map.of("Content-Type", "application/json")).statusCode());
        try {
            browser.get(cp.url() + "/ui/#/overview");
            waiting(browser)
                    .until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#throughput-chart canvas")));
            waiting(browser).until(b -> plottedSubmissions() >= 0);
            // Figures for the record (not asserted): how long the page took to load and to draw its first data,
            // shown again (a warm control plane and a cached library), as an operator reopening it sees it.
            browser.navigate().refresh();
            waiting(browser).until(b -> plottedSubmissions() >= 0);
            System.out.println("Dashboard overview on loopback: " + browser.executeScript("const n = performance"
                    + ".getEntriesByType('navigation')[0]; const c = performance.getEntriesByType('resource')"
                    + ".find(r => r.name.includes('echarts')); return 'page loaded in ' + Math.round(n.loadEventEnd)"
                    + " + ' ms, chart library fetched in ' + Math.round(c.duration) + ' ms, first data drawn at '"
                    + " + Math.round(performance.getEntriesByName('fastworker-overview-drawn')[0].startTime) + ' ms'"));
            long plottedBefore = plottedSubmissions();
            for (int i = 0; i < 4; i++) {
                submit("{\"task\": \"sleep\", \"args\": [1500], \"priority\": \"high\"}");
            }
            for (int i = 0; i < 30; i++) {
                submit("{\"task\": \"add\", \"args\": [" + i + ", 1]}");
            }
            // One sleep runs at a time: the others wait in the high queue, held by the limit.
            waiting(browser).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(
                    "tr[data-waiting='sleep']")));
            assertTrue(text("tr[data-waiting='sleep']").contains("held by its limit"), text("#waiting"));
            waiting(browser).until(b -> Integer.parseInt(text("td[data-priority='high']")) >= 1);
            // The chart plotted the burst: the submissions it shows grew by (at least) the 34 just made.
            await(DashboardIT::plottedSubmissions, n -> n >= plottedBefore + 34, "the burst is not plotted");
            screenshot(browser, "overview");
            waiting(browser).until(ExpectedConditions.presenceOfElementLocated(By.id("waiting-none")));
        } finally {
            cp.delete("/limits/sleep");
        }
    }

    @Test
    void theWorkersPageCountsFailuresAndShowsALostSubworker() throws Exception {
        try (Daemon w3 = Daemon.subworker(cp.linkAddress(), "ui-w3", 1, Map.of(), true)) {
            browser.get(cp.url() + "/ui/#/workers");
            waiting(browser).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(
                    "#workers tr[data-worker='ui-w3']")));
            long failuresBefore = failuresOnSubworkers();
            for (int i = 0; i < 3; i++) {
                assertEquals(200, cp.post("/tasks?wait=10s", "{\"task\": \"fail\", \"args\": [\"x\"]}")
                        .statusCode());
            }
            waiting(browser).until(b -> failuresOnSubworkers() >= failuresBefore + 3);
            w3.kill();
            waiting(browser).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(
                    "#gone tr[data-worker='ui-w3'][data-state='lost']")));
            assertTrue(browser.findElements(By.cssSelector("#workers tr[data-worker='ui-w3']")).isEmpty());
            assertTrue(text("#gone tr[data-worker='ui-w3'] .state").startsWith("lost (its connection closed"),
                    text("#gone"));
            screenshot(browser, "workers-lost");
        }
    }

    @Test
    void theEndpointsBehindTheDashboardRefuseBadQueriesClearly() throws Exception {
        for (String bad : List.of("/tasks?offset=-1", "/tasks?offset=ten", "/tasks?offset=100001",
                "/overview?since=-5", "/overview?since=yesterday")) {
            String param = bad.substring(bad.indexOf('?') + 1, bad.indexOf('='));
            JsonNode problem = Daemon.problem(cp.get(bad), 400, bad);
            assertTrue(problem.get("detail").asText().contains("'" + param + "'"), problem.toString());
        }
        JsonNode far = JSON.readTree(cp.get("/tasks?offset=100000").body());
        assertEquals(0, far.get("items").size(), far.toString());
        assertTrue(far.get("total").asInt() > 0, "the same shape as /dead-letters: {total, items}: " + far);
        long now = System.currentTimeMillis() + 60_000;
        assertEquals(0, JSON.readTree(cp.get("/overview?since=" + now).body()).get("samples").size(),
                "no sample is newer than a minute from now");
        JsonNode all = JSON.readTree(cp.get("/overview").body());
        assertTrue(all.get("samples").size() >= 1 && all.get("samples").size() <= 600, all.toString());
        assertEquals(List.of("critical", "high", "normal", "low"), iterate(all.get("queued").fieldNames()));
    }

    static List<String> iterate(java.util.Iterator<String> names) {
        List<String> out = new java.util.ArrayList<>();
        names.forEachRemaining(out::add);
        return out;
    }

    /** How many submissions the throughput chart shows in all, as its label tells (-1 before it has drawn). */
    static long plottedSubmissions() {
        String label = browser.findElement(By.id("throughput-chart")).getAttribute("aria-label");
        var m = java.util.regex.Pattern.compile("(\\d+) submitted in all").matcher(label);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    static long failuresOnSubworkers() {
        Object sum = browser.executeScript("return [...document.querySelectorAll('#workers tbody tr')]"
                + ".reduce((n, r) => n + Number(r.querySelector('.failures').textContent), 0);");
        return ((Number) sum).longValue();
    }

    @Test
    void theTaskListPagesAndATaskLinksItsTrace() throws Exception {
        String traceId = "6cf92f3577b34da6a3ce929d0e0e4736";
        var traced = cp.post("/tasks?wait=10s", "{\"task\": \"noop\"}", Map.of("traceparent", "00-" + traceId
                + "-00f067aa0ba902b7-01"));
        String tracedId = JSON.readTree(traced.body()).get("id").asText();
        for (int i = 0; i < 60; i++) {
            submit("{\"task\": \"noop\"}");
        }
        browser.get(cp.url() + "/ui/#/tasks?task=noop");
        waiting(browser).until(b -> b.findElements(By.cssSelector("#tasks tbody tr")).size() == 50);
        assertTrue(text("#showing").matches("1–50 of (6[1-9]|[7-9][0-9]|[1-9][0-9]{2,})"), "the page says how many "
                + "there are: " + text("#showing"));
        assertTrue(browser.findElements(By.id("newer")).isEmpty(), "the first page has nothing newer");
        browser.findElement(By.id("older")).click();
        waiting(browser)
                .until(ExpectedConditions.textMatches(By.id("showing"), java.util.regex.Pattern.compile("^51–")));
        assertTrue(browser.findElements(By.cssSelector("#tasks tbody tr")).size() >= 11);
        browser.findElement(By.id("newer")).click();
        waiting(browser).until(ExpectedConditions.textMatches(By.id("showing"), java.util.regex.Pattern.compile(
                "^1–50 of ")));

        browser.get(cp.url() + "/ui/#/tasks/" + tracedId);
        WebElement link = waiting(browser).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(
                "[data-fact='trace'] a")));
        assertEquals(traceId, link.getText());
        assertEquals(TRACE_URL.replace("{traceId}", traceId), link.getAttribute("href"));

        // an admin (here: the loopback caller of an API without keys) sees the arguments of a task that waits
        String waiting = submit("{\"task\": \"add\", \"args\": [4711], \"kwargs\": {\"y\": 815}, \"countdown\": "
                + "\"PT1H\"}");
        browser.get(cp.url() + "/ui/#/tasks/" + waiting);
        // The page redraws as the task's events arrive: the text is read afresh until it shows (a redrawn element
        // is stale, not a failure).
        waiting(browser).ignoring(StaleElementReferenceException.class).until(b -> {
            String shown = b.findElement(By.id("arguments")).getText();
            return shown.contains("4711") && shown.contains("815");
        });
        browser.get(cp.url() + "/ui/#/tasks/" + tracedId);
        waiting(browser).ignoring(StaleElementReferenceException.class).withMessage(
                "a finished task's arguments are not kept").until(
                        b -> b.findElement(By.id("arguments")).getText()
                                .startsWith("No longer kept"));
    }

    @Test
    void aDeadLetterIsDeletedAndAScheduleIsPausedAndResumedFromTheDashboard() throws Exception {
        String failed = JSON.readTree(cp.post("/tasks?wait=10s", "{\"task\": \"fail\", \"args\": [\"y\"]}")
                .body()).get("id").asText();
        browser.get(cp.url() + "/ui/#/dead-letters?task=fail");
        waiting(browser).until(ExpectedConditions.elementToBeClickable(By.id("delete-" + failed))).click();
        waiting(browser).until(ExpectedConditions.alertIsPresent()).accept();
        await(() -> cp.get("/dead-letters?task=fail&limit=1000").body(), b -> !b.contains(failed),
                "the dead letter is still kept");
        waiting(browser).until(b -> b.findElements(By.id("delete-" + failed)).isEmpty());
        screenshot(browser, "dead-letters");

        // "Retry all" replays every dead letter the filter shows, once asked to
        List<String> bad = List.of(submit("{\"task\": \"repeat\", \"args\": [\"x\", -1], \"maxRetries\": 0}"),
                submit("{\"task\": \"repeat\", \"args\": [\"y\", -1], \"maxRetries\": 0}"));
        await(() -> JSON.readTree(cp.get("/dead-letters?task=repeat").body()).get("total").asInt(), n -> n >= 2,
                "the two dead letters of repeat");
        browser.get(cp.url() + "/ui/#/dead-letters?task=repeat");
        waiting(browser).until(ExpectedConditions.elementToBeClickable(By.id("retry-all"))).click();
        waiting(browser).until(ExpectedConditions.alertIsPresent()).accept();
        for (String id : bad) {
            await(() -> JSON.readTree(cp.get("/tasks/" + id).body()).get("attempts").asInt(), n -> n == 2,
                    "task " + id + " replayed");
        }

        assertEquals(201, cp.post("/schedules", "{\"id\": \"ui-hourly\", \"task\": \"noop\", \"every\": \"1h\"}")
                .statusCode());
        try {
            browser.get(cp.url() + "/ui/#/schedules");
            waiting(browser).until(ExpectedConditions.elementToBeClickable(By.id("pause-ui-hourly"))).click();
            waiting(browser).until(ExpectedConditions.alertIsPresent()).accept();
            await(() -> JSON.readTree(cp.get("/schedules/ui-hourly").body()).get("paused").asBoolean(), p -> p,
                    "the schedule is not paused");
            waiting(browser).until(ExpectedConditions.textToBe(By.cssSelector("tr[data-schedule='ui-hourly'] .state"),
                    "paused"));
            assertTrue(browser.findElement(By.cssSelector("tr[data-schedule='ui-hourly']")).getText()
                    .contains("every 1 h"), "a period reads as people say it, not PT1H");
            screenshot(browser, "schedules");
            waiting(browser).until(ExpectedConditions.elementToBeClickable(By.id("resume-ui-hourly"))).click();
            waiting(browser).until(ExpectedConditions.alertIsPresent()).accept();
            await(() -> JSON.readTree(cp.get("/schedules/ui-hourly").body()).get("paused").asBoolean(), p -> !p,
                    "the schedule is still paused");
            // Dismissing the question changes nothing.
            waiting(browser).until(ExpectedConditions.elementToBeClickable(By.id("pause-ui-hourly"))).click();
            waiting(browser).until(ExpectedConditions.alertIsPresent()).dismiss();
            Thread.sleep(500);
            assertTrue(!JSON.readTree(cp.get("/schedules/ui-hourly").body()).get("paused").asBoolean());
        } finally {
            cp.delete("/schedules/ui-hourly");
        }
        assertEquals(200, cp.request("PUT", "/limits/noop", "{\"rateLimit\": \"100/s\"}",
                Map.of("Content-Type", "application/json")).statusCode());
        try {
            browser.get(cp.url() + "/ui/#/limits");
            waiting(browser).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(
                    "tr[data-limit='noop']")));
            assertTrue(text("tr[data-limit='noop']").contains("100/s"), text("#limits"));
            screenshot(browser, "limits");
        } finally {
            cp.delete("/limits/noop");
        }
    }

    @Test
    void atPhoneWidthNothingScrollsSidewaysAndTheKeyboardReachesEveryPage() throws Exception {
        ChromeDriver phone = browser();
        try {
            phone.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
            String id = JSON.readTree(cp.post("/tasks?wait=10s", "{\"task\": \"add\", \"args\": [4, 5]}").body())
                    .get("id").asText();
            for (String page : List.of("overview", "workers", "tasks", "tasks/" + id, "dead-letters", "schedules",
                    "limits")) {
                phone.get(cp.url() + "/ui/#/" + page);
                waiting(phone).until(b -> ((String) phone.executeScript("return document.getElementById('status')"
                        + ".textContent")).startsWith("updated"));
                Object overflow = phone.executeScript("return document.documentElement.scrollWidth - "
                        + "document.documentElement.clientWidth");
                assertTrue(((Number) overflow).intValue() <= 0, () -> page + " scrolls sideways by " + overflow
                        + " px; too wide: " + phone.executeScript("const w = document.documentElement.clientWidth;"
                                + "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect()"
                                + ".right > w).map(e => e.tagName + '#' + e.id + '.' + e.className + ' '"
                                + " + Math.round(e.getBoundingClientRect().right)).slice(0, 10).join(', ')"));
                if (page.startsWith("tasks/")) {
                    screenshot(phone, "task-phone");
                }
            }
            // From the top of the page, Tab reaches the nav links in order and Enter opens one.
            phone.get(cp.url() + "/ui/#/overview");
            waiting(phone).until(ExpectedConditions.presenceOfElementLocated(By.id("queued")));
            List<String> reached = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                new org.openqa.selenium.interactions.Actions(phone).sendKeys(org.openqa.selenium.Keys.TAB).perform();
                reached.add(phone.switchTo().activeElement().getText());
            }
            assertEquals(List.of("Overview", "Workers", "Tasks", "Dead letters", "Schedules", "Limits"), reached);
            new org.openqa.selenium.interactions.Actions(phone).sendKeys(org.openqa.selenium.Keys.ENTER).perform();
            waiting(phone).until(ExpectedConditions.presenceOfElementLocated(By.id("limits")));
            // The page changed: focus moved to its content, so the next Tab goes on from there, not from the top.
            assertEquals("main", phone.switchTo().activeElement().getAttribute("id"));
        } finally {
            phone.quit();
        }
    }

    /**
     * An answer that comes back after its page was left is not drawn over the page chosen since: with every request
     * slowed to 1.5 s, Limits is chosen and Overview right after it; once both answers are in, Overview is shown.
     * (Before the fix, the late Limits table replaced the Overview and the overview's figures were drawn into nothing.)
     */
    @Test
    void aPageLeftBeforeItsAnswerCameIsNotDrawnOverTheNextOne() throws Exception {
        ChromeDriver slow = browser();
        try {
            slow.get(cp.url() + "/ui/#/overview");
            waiting(slow).until(ExpectedConditions.presenceOfElementLocated(By.id("queued")));
            org.openqa.selenium.chromium.ChromiumNetworkConditions conditions = new org.openqa.selenium.chromium.ChromiumNetworkConditions();
            conditions.setLatency(Duration.ofMillis(1500));
            slow.setNetworkConditions(conditions);
            slow.executeScript("location.hash = '#/limits'");
            Thread.sleep(200);
            slow.executeScript("location.hash = '#/overview'");
            waiting(slow).until(b -> ((String) slow.executeScript("return document.getElementById('status')"
                    + ".textContent")).startsWith("updated"));
            Thread.sleep(3_000); // both answers are in by now, the late one included
            assertEquals(0, slow.findElements(By.id("limits")).size(), "the Limits page was drawn over the Overview");
            assertEquals(1, slow.findElements(By.id("queued")).size(), () -> "no Overview: "
                    + slow.findElement(By.id("page")).getText());
        } finally {
            slow.quit();
        }
    }

    /**
     * A page left open does not grow memory: the task list, redrawn from the event stream, and the overview while
     * thousands of tasks pass (hours of a busy day's events for the stream reader). The JS heap after a forced
     * collection is measured once the page has warmed up and again after the load.
     */
    @Test
    void anOpenPageDoesNotGrowMemoryWhileTasksPass() throws Exception {
        ChromeDriver open = browser();
        try {
            open.get(cp.url() + "/ui/#/tasks");
            waiting(open).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#tasks")));
            load(4_000);
            long warm = heapAfterCollection(open);
            load(16_000);
            long after = heapAfterCollection(open);
            assertTrue(after - warm < 4_000_000, "the task list grew from " + warm + " to " + after + " bytes");
            open.get(cp.url() + "/ui/#/overview");
            waiting(open)
                    .until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#throughput-chart canvas")));
            load(4_000);
            long overviewWarm = heapAfterCollection(open);
            load(12_000);
            long overviewAfter = heapAfterCollection(open);
            assertTrue(overviewAfter - overviewWarm < 4_000_000, "the overview grew from " + overviewWarm + " to "
                    + overviewAfter + " bytes");
        } finally {
            open.quit();
        }
    }

    /** Submits {@code n} noop tasks in batches of 500 and waits until all finished. */
    static void load(int n) throws Exception {
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 500; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"task\": \"noop\"}");
        }
        String body = batch.append(']').toString();
        for (int i = 0; i < n / 500; i++) {
            var r = cp.post("/tasks/batch", body);
            assertEquals(202, r.statusCode(), r.body());
        }
        // The wait is generous: this measures the page's memory, not throughput, and a busy machine (a browser,
        // the daemon and the test on two cores) can take well over 20 s to run 16,000 tasks.
        Daemon.await(() -> JSON.readTree(cp.get("/overview?since=" + System.currentTimeMillis()).body()).get("queued"),
                q -> q.get("normal").asInt() == 0, Duration.ofMinutes(3), "the load is still queued");
    }

    /**
     * The page's memory after a forced collection: the JS heap, the renderer's own heap (DOM) and the backing
     * stores outside both (where the text of stream chunks lives).
     */
    static long heapAfterCollection(ChromeDriver b) throws Exception {
        Thread.sleep(2000); // let the page take the last events and redraw
        b.executeCdpCommand("HeapProfiler.collectGarbage", Map.of());
        Map<String, Object> usage = b.executeCdpCommand("Runtime.getHeapUsage", Map.of());
        long bytes = 0;
        for (String part : List.of("usedSize", "embedderHeapUsedSize", "backingStorageSize")) {
            assertTrue(usage.get(part) instanceof Number, "Runtime.getHeapUsage has no " + part + ": " + usage);
            bytes += ((Number) usage.get(part)).longValue();
        }
        return bytes;
    }
}
