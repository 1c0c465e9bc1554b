/**
 * Sits between the Graph client's RetryHandler and AuthenticationHandler. The authentication
 * handler *appends* the Authorization header, so on a retry the request would carry two tokens
 * (Graph answers 401); clearing it first lets every attempt carry exactly one, freshly obtained
 * token — which matters when a Retry-After outlasts the token's remaining life.
 */
import type { Context, Middleware } from "@microsoft/microsoft-graph-client";

export class FreshTokenHandler implements Middleware {
  private next: Middleware | undefined;

  async execute(context: Context): Promise<void> {
    const headers = context.options?.headers;
    if (headers instanceof Headers) headers.delete("Authorization");
    else if (Array.isArray(headers)) {
      context.options!.headers = headers.filter((pair) => pair[0]?.toLowerCase() !== "authorization");
    } else if (headers !== undefined) {
      for (const name of Object.keys(headers)) {
        if (name.toLowerCase() === "authorization") delete (headers as Record<string, string>)[name];
      }
    }
    if (typeof context.request !== "string") context.request.headers.delete("Authorization");
    await this.next!.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}
