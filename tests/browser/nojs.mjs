// With JavaScript disabled, home, category and product pages still show products and prices,
// search works, and a shopper can buy: pick a variant, add to cart, change the quantity, apply a discount code, check
// out (a refused field comes back marked with what was typed kept) and see the order.
import { explain, launch, shot, submitForm } from './browser.mjs';

const base = process.env.BASE_URL;
const { browser, page } = await launch({ javaScriptEnabled: false });
const step = (s) => console.log('·', s);
try {
  for (const path of ['/', '/c/apparel/', '/c/apparel/page/2/']) {
    await page.goto(base + path, { waitUntil: 'load' });
    const cards = await page.locator('.card').count();
    const prices = (await page.locator('.card .price').allTextContents()).filter((p) => /\d/.test(p));
    if (cards === 0 || prices.length !== cards) throw new Error(`${path}: ${cards} cards, ${prices.length} prices`);
  }
  await page.goto(base + '/c/apparel/', { waitUntil: 'load' });
  const href = await page.locator('.card a').first().getAttribute('href');
  await page.goto(base + href, { waitUntil: 'load' });
  const title = await page.textContent('h1');
  const price = await page.locator('.price').first().textContent();
  if (!title || !/\d/.test(price)) throw new Error(`product page ${href}: title ${title}, price ${price}`);
  // The search form still works: a plain GET to the worker-rendered results page.
  await page.goto(base + '/search?q=jacket', { waitUntil: 'load' });
  if ((await page.locator('.search-results .card').count()) === 0) throw new Error('no search results without JavaScript');
  step(`pages render products and prices; ${href} shows ${price}`);
  // A category's sort and filters without the island: its form leads to the search page's.
  await page.goto(base + '/c/apparel/', { waitUntil: 'load' });
  await page.selectOption('form.browse-fallback select[name=sort]', 'price-asc');
  await Promise.all([page.waitForURL(/\/search\?category=apparel&sort=price-asc/), page.click('form.browse-fallback button[type=submit]')]);
  const sorted = (await page.locator('.search-results .card .price').allTextContents()).map((p) => Number((p.match(/\d+(?:[.,]\d+)?/) || ['NaN'])[0].replace(',', '.')));
  if (sorted.length < 2 || sorted.some((p, i) => i > 0 && p < sorted[i - 1])) throw new Error(`sorted by price: ${sorted}`);
  if ((await page.locator('.facet').count()) === 0) throw new Error('no filters on the sorted listing');
  step(`the category sorts without JavaScript (${sorted.length} products from ${sorted[0]})`);

  // Buying: a product with two options, found through the search API (this script's own fetch).
  let slug = null;
  for (const q of ['jacket', 'hoodie', 't-shirt', 'running']) {
    for (const h of (await (await fetch(`${base}/api/search?q=${q}&limit=20`)).json()).hits) {
      const html = await (await fetch(`${base}${h.url}`)).text();
      if ((html.match(/<fieldset class="option">/g) || []).length >= 2 && !html.includes('Sold out')) { slug = h.slug; break; }
    }
    if (slug) break;
  }
  if (!slug) throw new Error('no product with two options in stock');
  await page.goto(`${base}/products/${slug}/`, { waitUntil: 'load' });
  // The static page already shows what the picker would: a chosen variant and quantity 1.
  if (await page.locator('fieldset.option input[type=radio]:checked').count() !== 2) throw new Error('no variant chosen in the static page');
  if (await page.inputValue('#qty') !== '1') throw new Error('the quantity box is empty');
  // Choose another value of the last option (radios work without script), one that goes with the
  // other choices: every value in stock in some combination is open without script, and the
  // options table lists the combinations that exist. Then add two.
  const options = page.locator('fieldset.option');
  const n = await options.count();
  const chosen = [];
  for (let i = 0; i < n; i++) chosen.push(await options.nth(i).locator('input[type=radio]:checked').getAttribute('value'));
  const rows = await page.locator('table.variants tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim())));
  const fits = rows.find((r) => chosen.slice(0, n - 1).every((v, i) => r[i] === v) && r[n - 1] !== chosen[n - 1] && r[n + 2].startsWith('In stock'));
  const picked = fits ? fits[n - 1] : null;
  if (picked) await options.last().locator(`input[type=radio][value="${picked}"]`).check();
  await page.fill('#qty', '2');
  await Promise.all([page.waitForURL(/\/cart\/$/), page.click('button:has-text("Add to cart")')]);
  const variant = (await page.locator('.cart-line .variant').first().textContent()).trim();
  if (picked && !variant.includes(picked)) throw new Error(`the cart has ${variant}, not the chosen ${picked}`);
  if (await page.inputValue('.line-qty') !== '2') throw new Error('the cart does not have two');
  step(`added 2 × ${variant}`);

  await page.fill('.line-qty', '3');
  await submitForm(page, 'button:has-text("Update")');
  if (await page.inputValue('.line-qty') !== '3') throw new Error('the quantity did not change');
  const subtotal = await page.textContent('[data-testid=cart-subtotal]');
  step(`quantity 3, subtotal ${subtotal}`);

  // A discount code from the cart's form: a wrong one is refused with the reason, the right one
  // shows what it takes off.
  const code = process.env.DISCOUNT_CODE;
  if (!code) throw new Error('DISCOUNT_CODE is not set');
  await shot(page, 'nojs-cart-code');
  await page.fill('#discount-code', 'no-such-code');
  await page.click('button:has-text("Apply")');
  await page.waitForSelector('.notice.error:has-text("There is no discount code NO-SUCH-CODE")', { timeout: 10000 });
  await page.fill('#discount-code', code.toLowerCase());
  await submitForm(page, 'button:has-text("Apply")');
  const off = await page.textContent('[data-testid=cart-discount]');
  if (!off.startsWith('−')) throw new Error(`the discount reads ${off}`);
  step(`code ${code}: ${off} off`);
  await shot(page, 'nojs-cart');

  await Promise.all([page.waitForURL(/\/checkout\/$/), page.click('a:has-text("Check out")')]);
  if (!(await page.textContent('.summary')).includes(subtotal.trim())) throw new Error('the checkout summary does not show the subtotal');
  if (!(await page.textContent('.summary')).includes(off.trim())) throw new Error('the checkout summary does not show the discount');
  const promised = (await page.textContent('[data-testid=summary-total]')).trim();
  // The summary follows the country chosen, without JavaScript too (CSS).
  const shown = async () => (await page.locator('[data-testid=summary-total]:visible').allTextContents()).map((t) => t.trim());
  if ((await shown()).join() !== promised) throw new Error(`the summary shows ${await shown()}, not ${promised}`);
  await page.selectOption('#address-country', 'GB');
  const uk = await shown();
  const to = await page.locator('.summary .by-country:visible dt').first().textContent();
  if (uk.length !== 1 || to !== 'Shipping to United Kingdom') throw new Error(`for the United Kingdom the summary shows ${to}: ${uk}`);
  // The total beside "Place order" (above the fold where the summary is not) follows too.
  const beside = (await page.locator('[data-testid=pay-total]:visible').allTextContents()).map((t) => t.trim());
  if (beside.join() !== uk.join()) throw new Error(`beside the button the total is ${beside}, the summary says ${uk}`);
  await page.selectOption('#address-country', 'IE');
  if ((await shown()).join() !== promised) throw new Error('back to Ireland, the summary does not show its total');
  step(`the summary's total follows the country (Ireland ${promised}, United Kingdom ${uk[0]})`);
  if (!(await page.textContent('#address-country')).includes('Ireland')) throw new Error('the countries are not named');
  await page.fill('#address-name', 'Niamh Walsh');
  await page.fill('#address-line1', '4 Harbour Row');
  await page.fill('#address-city', 'Cobh');
  await page.fill('#address-postal_code', 'P24 A123');
  await page.check('input[value=cash_on_delivery]');
  await page.click('button:has-text("Place order")');
  await page.waitForSelector('#contact-email[aria-invalid=true]', { timeout: 10000 });
  if (await page.inputValue('#address-name') !== 'Niamh Walsh') throw new Error('the refused form lost what was typed');
  step('a missing email is marked, the rest kept');
  await shot(page, 'nojs-checkout-refused');
  await page.fill('#contact-email', 'niamh@example.ie');
  await Promise.all([page.waitForURL(/\/orders\/\?number=/), page.click('button:has-text("Place order")')]);
  const number = (await page.textContent('[data-testid=order-number]')).trim();
  const status = await page.textContent('[data-testid=order-status]');
  const total = await page.textContent('[data-testid=order-total]');
  if (!/^\d+$/.test(number) || !/Confirmed/.test(status) || !/\d/.test(total)) throw new Error(`order page: ${number} ${status} ${total}`);
  if (!(await page.textContent('[data-testid=order-address]')).includes('Ireland')) throw new Error('the order page does not show where it ships');
  if (!(await page.textContent('[data-testid=order-discount]')).includes(off.trim().slice(1))) throw new Error('the order page does not show the discount');
  if (total.trim() !== promised) throw new Error(`the checkout said ${promised}, the order costs ${total}`);
  await shot(page, 'nojs-order');
  step(`order ${number}: ${status}, total ${total}`);

  // The order page's own form cancels it, without JavaScript too (the queue applies it: reload
  // until the page says so).
  if ((await page.locator('button:has-text("Pay now")').count()) !== 0) throw new Error('a cash-on-delivery order offers to pay online');
  // One tap does not cancel: the box must be ticked first.
  await page.click('button:has-text("Cancel order")');
  await page.waitForTimeout(300);
  if (!page.url().includes(`number=${number}`) || page.url().includes('cancelling')) throw new Error(`an unticked cancel went to ${page.url()}`);
  await page.check('input[name=confirm]');
  await submitForm(page, 'button:has-text("Cancel order")');
  if (!page.url().includes(`number=${number}`)) throw new Error(`cancelling went to ${page.url()}`);
  const said = await page.textContent('[data-testid=order-status]');
  if (!/Cancelled/.test(said) && (await page.locator('[data-testid=order-cancelling]').count()) !== 1) throw new Error('the page after cancelling does not say the cancellation is under way');
  if (!/Cancelled/.test(said) && (await page.locator('button:has-text("Cancel order")').count()) !== 0) throw new Error('the page after cancelling offers to cancel again');
  for (let i = 0; i < 40 && !/Cancelled/.test(await page.textContent('[data-testid=order-status]')); i++) {
    await page.waitForTimeout(250);
    await page.reload({ waitUntil: 'load' });
  }
  if (!/Cancelled/.test(await page.textContent('[data-testid=order-status]'))) throw new Error('the order was not cancelled');
  if ((await page.locator('button:has-text("Cancel order")').count()) !== 0) throw new Error('a cancelled order still offers to cancel');
  step('cancelled from its page');

  // A delivered order's page asks for a return with a plain form: one of its two units, and why.
  await page.goto(`${base}${process.env.RETURN_ORDER_URL}`, { waitUntil: 'load' });
  await page.fill('#nojs-return-0', '1');
  await page.fill('#nojs-return-reason', 'Too big');
  await submitForm(page, 'button:has-text("Ask to send these back")');
  for (let i = 0; i < 40 && !/Return requested/.test(await page.textContent('[data-testid=order-status]')); i++) {
    await page.waitForTimeout(250);
    await page.reload({ waitUntil: 'load' });
  }
  if (!/Return requested/.test(await page.textContent('[data-testid=order-status]'))) throw new Error('the return was not asked for');
  step('return asked from its page');
} catch (e) {
  await explain(page, e);
} finally {
  await browser.close();
}
