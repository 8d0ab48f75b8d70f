package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
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
        cp = Daemon.controlPlane(Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false"));
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
        Files.writeString(keys, "viewer read " + ApiAuthIT.sha256("ui-read-key") + "\n");
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
        } finally {
            other.quit();
            Files.deleteIfExists(keys);
        }
    }
}
