// A rendering bug in one page shows a message and a way out, never a blank screen.
import { Component, type ComponentChildren } from 'preact'

interface State { error: Error | undefined }

export class ErrorBoundary extends Component<{ children: ComponentChildren; resetKey: string }, State> {
  override state: State = { error: undefined }

  static override getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) }
  }

  override componentDidUpdate(previous: { resetKey: string }) {
    // Moving to another page clears the error: the next page gets its own chance.
    if (previous.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: undefined })
  }

  override render() {
    if (!this.state.error) return this.props.children
    return (
      <div class="state state-error" role="alert">
        <p><strong>This page could not be displayed.</strong> {this.state.error.message}</p>
        <p class="hint">Other pages still work; reloading may help. Please report this with the page's address.</p>
        <button type="button" onClick={() => window.location.reload()}>Reload</button>
      </div>
    )
  }
}
