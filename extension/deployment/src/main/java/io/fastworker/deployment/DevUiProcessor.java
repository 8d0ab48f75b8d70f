package io.fastworker.deployment;

import io.fastworker.api.DevUiRpc;
import io.quarkus.deployment.IsLocalDevelopment;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.devui.spi.JsonRPCProvidersBuildItem;
import io.quarkus.devui.spi.page.CardPageBuildItem;
import io.quarkus.devui.spi.page.Page;

/**
 * The extension's card in the Dev UI of {@code quarkus dev}: the registered tasks with their options and a form to
 * submit one, the recent tasks with their results, and a link to the dashboard. Dev mode only.
 */
class DevUiProcessor {

    @BuildStep(onlyIf = IsLocalDevelopment.class)
    CardPageBuildItem card(TaskMethodsBuildItem tasks) {
        CardPageBuildItem card = new CardPageBuildItem();
        card.addPage(Page.webComponentPageBuilder().title("Tasks").icon("font-awesome-solid:list-check")
                .componentLink("qwc-fastworker-tasks.js").staticLabel(String.valueOf(tasks.declared().size())));
        card.addPage(Page.webComponentPageBuilder().title("Recent tasks").icon("font-awesome-solid:clock-rotate-left")
                .componentLink("qwc-fastworker-recent.js"));
        card.addPage(Page.externalPageBuilder("Dashboard").icon("font-awesome-solid:gauge-high").url("/ui/", "/ui/")
                .doNotEmbed());
        return card;
    }

    @BuildStep(onlyIf = IsLocalDevelopment.class)
    JsonRPCProvidersBuildItem rpc() {
        return new JsonRPCProvidersBuildItem(DevUiRpc.class);
    }
}
