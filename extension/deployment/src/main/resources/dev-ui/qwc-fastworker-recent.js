import { LitElement, html, css } from 'lit';
import { JsonRpc } from 'jsonrpc';
import '@vaadin/grid';
import { columnBodyRenderer } from '@vaadin/grid/lit.js';
import '@vaadin/button';

/** The most recent tasks, newest first, with their status and result; refreshed every two seconds. */
export class QwcFastworkerRecent extends LitElement {

    jsonRpc = new JsonRpc(this);

    static styles = css`
        :host { display: flex; flex-direction: column; gap: 10px; padding: 10px; height: 100%; }
        .grid { flex: 1; }
        code { font-size: 85%; }
    `;

    static properties = {
        _tasks: { state: true }
    };

    connectedCallback() {
        super.connectedCallback();
        this._refresh();
        this._timer = setInterval(() => this._refresh(), 2000);
    }

    disconnectedCallback() {
        clearInterval(this._timer);
        super.disconnectedCallback();
    }

    _refresh() {
        this.jsonRpc.recent().then(r => this._tasks = r.result);
    }

    render() {
        if (!this._tasks) {
            return html`<span>Loading recent tasks...</span>`;
        }
        return html`
            <vaadin-grid class="grid" .items="${this._tasks}" theme="no-border row-stripes">
                <vaadin-grid-column auto-width header="Submitted" path="submittedAt"></vaadin-grid-column>
                <vaadin-grid-column auto-width header="Task" path="task"></vaadin-grid-column>
                <vaadin-grid-column auto-width header="Status" path="status"></vaadin-grid-column>
                <vaadin-grid-column auto-width header="Attempts" path="attempts"></vaadin-grid-column>
                <vaadin-grid-column auto-width header="Result or error"
                    ${columnBodyRenderer(t => t.error
                        ? html`${t.error.type}: ${t.error.message}`
                        : html`<code>${t.result === null || t.result === undefined ? '' : JSON.stringify(t.result)}</code>`, [])}>
                </vaadin-grid-column>
                <vaadin-grid-column auto-width header="Id" path="id"></vaadin-grid-column>
            </vaadin-grid>`;
    }
}
customElements.define('qwc-fastworker-recent', QwcFastworkerRecent);
