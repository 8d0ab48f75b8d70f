package io.fastworker.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReadyQueueTest {

    record Item(String name, Priority priority) {
    }

    @Test
    void takesStrictlyByPriorityThenFifo() throws InterruptedException {
        ReadyQueue<Item> q = new ReadyQueue<>(Item::priority);
        q.add(new Item("low1", Priority.LOW));
        q.add(new Item("normal1", Priority.NORMAL));
        q.add(new Item("high1", Priority.HIGH));
        q.add(new Item("critical1", Priority.CRITICAL));
        q.add(new Item("low2", Priority.LOW));
        q.add(new Item("critical2", Priority.CRITICAL));
        q.addFirst(new Item("normal0", Priority.NORMAL));
        List<String> order = new ArrayList<>();
        Item i;
        while ((i = q.poll(0, TimeUnit.MILLISECONDS)) != null) {
            order.add(i.name());
        }
        assertEquals(List.of("critical1", "critical2", "high1", "normal0", "normal1", "low1", "low2"), order);
        assertEquals(0, q.size());
    }

    @Test
    void removeTakesAnItemOutOfItsLevel() throws InterruptedException {
        ReadyQueue<Item> q = new ReadyQueue<>(Item::priority);
        Item a = new Item("a", Priority.HIGH);
        q.add(a);
        assertEquals(1, q.depth(Priority.HIGH));
        assertTrue(q.remove(a));
        assertEquals(0, q.depth(Priority.HIGH));
        assertNull(q.poll(10, TimeUnit.MILLISECONDS));
    }
}
