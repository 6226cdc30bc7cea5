import type { Page } from 'playwright-core'

/** Signs in with `key` on the dashboard's sign-in form (the page shows it) and waits for the overview. */
export async function signIn(page: Page, key: string): Promise<void> {
  await page.getByLabel('API key').fill(key)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor()
}
