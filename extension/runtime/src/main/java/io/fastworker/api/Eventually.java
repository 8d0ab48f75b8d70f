package io.fastworker.api;

import io.smallrye.mutiny.Uni;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The answer to a request that waits on the engine. A client that goes away cancels only its own copy of the future,
 * so what the engine does when the change is recorded runs all the same; a failure arrives as the engine's own
 * exception (not the {@code CompletionException} around it), so that it maps to its problem.
 */
final class Eventually {

    private Eventually() {
    }

    static <T> Uni<T> of(CompletableFuture<T> pending) {
        return Uni.createFrom().completionStage(pending.copy()).onFailure(CompletionException.class)
                .transform(Throwable::getCause);
    }
}
