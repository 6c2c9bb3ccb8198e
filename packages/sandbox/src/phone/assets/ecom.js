// Legacy eCom v2 orders on the simulated phone: a waiting order's card with the
// merchant, amount and transaction text and, for express checkout (Hurtigkasse),
// the address the user ships to and the merchant's shipping options to choose
// from, the total following the choice; the orders in the payment history; and
// the merchants the user shared their profile with, each with Remove. Every
// action is a control API call; everything from merchants reaches the page as text.
import {
  api,
  formatAmount,
  fromTemplate,
  problemMessage,
  serialised,
  setText,
  shortDateTime,
  timeOfDay,
} from './common.js'

const $ = (id) => document.getElementById(id)
/** eCom v2 is Norwegian: amounts are øre of NOK. */
const nok = (value) => formatAmount({ currency: 'NOK', value })
const orderPath = (userPath, order, action) =>
  `${userPath}/ecom-orders/${encodeURIComponent(order.msn)}/${encodeURIComponent(order.orderId)}/${action}`

/** An eCom order's state as the person sees it. */
export function ecomStateInWords(state) {
  switch (state) {
    case 'INITIATED':
      return 'waiting'
    case 'RESERVED':
      return 'approved'
    case 'PARTIALLY_CAPTURED':
      return 'partly captured'
    case 'CAPTURED':
      return 'captured'
    case 'REFUNDED':
      return 'refunded'
    case 'CANCELLED':
      return 'cancelled'
    case 'REJECTED':
      return 'rejected'
    case 'EXPIRED':
      return 'expired'
    default:
      return String(state).toLowerCase()
  }
}

/** An order as a row of the phone's payment history: what it cost, shipping included once approved. */
export function ecomHistoryEntry(order) {
  return {
    dataset: { orderId: order.orderId },
    merchantName: order.merchantName,
    createdAt: order.createdAt,
    description: order.transactionText,
    amount: { currency: 'NOK', value: order.money?.reserved ?? order.amount },
    word: ecomStateInWords(order.state),
  }
}

/**
 * What a card shows of an order: the card is kept (with the person's choice)
 * while this stays the same, and rebuilt when the shipping offer changes.
 */
export function ecomCardKey(order) {
  const shipping = order.express?.shipping
  const options = shipping?.options.map((o) => `${o.shippingMethodId}:${o.totalAmount}`) ?? []
  return [order.msn, order.orderId, shipping?.status ?? '', ...options].join('|')
}

let radioGroups = 0

/** The shipping option as a radio button with its price ("free" when it costs nothing). */
function shippingOption(order, option, group, onChoose) {
  const label = fromTemplate('shipping-option-template')
  const radio = label.querySelector('input')
  radio.name = group
  radio.value = option.shippingMethodId
  radio.checked = option.shippingMethodId === order.express.shipping.defaultShippingMethodId
  radio.addEventListener('change', () => {
    if (radio.checked) onChoose(option)
  })
  setText(label, '.shipping-name', option.shippingMethod)
  const price = option.totalAmount - order.amount
  setText(label, '.shipping-price', price === 0 ? 'free' : nok(price))
  return label
}

/**
 * Adds the card's delivery part: the address, and the options as the offer
 * stands (being fetched, failed, or ready with the default preselected).
 * Returns the preselected option, if any.
 */
function addDelivery(card, order, user, onChoose) {
  const { address, shipping } = order.express
  card.querySelector('.description').after(fromTemplate('delivery-template'))
  setText(card, '.address-name', user ? `${user.givenName} ${user.familyName}` : '')
  if (address) {
    setText(card, '.address-street', [address.addressLine1, address.addressLine2].filter(Boolean).join(', '))
    setText(card, '.address-city', `${address.postCode} ${address.city}, ${address.country}`)
  } else {
    setText(card, '.address-street', 'No address in your profile')
  }
  switch (shipping.status) {
    case 'ready': {
      const fieldset = card.querySelector('.shipping-options')
      const group = `shipping-${++radioGroups}`
      fieldset.append(...shipping.options.map((option) => shippingOption(order, option, group, onChoose)))
      fieldset.hidden = false
      card.querySelector('.totals').hidden = false
      return shipping.options.find((o) => o.shippingMethodId === shipping.defaultShippingMethodId)
    }
    case 'failed':
      card.querySelector('.shipping-failed').hidden = false
      setText(
        card,
        '.shipping-failed-text',
        `${order.merchantName} offers no delivery to your address, so this order cannot be paid in Vipps. Reject it and choose another way to pay in the shop.`,
      )
      setText(card, '.shipping-failed-reason', shipping.error ?? '')
      return undefined
    default:
      // 'fetching', or 'awaiting-user' for the moment before the merchant is asked.
      card.querySelector('.shipping-waiting').hidden = false
      setText(card, '.shipping-waiting-text', `Fetching delivery options from ${order.merchantName}…`)
      return undefined
  }
}

/**
 * A waiting order's card: a payment request's, with the delivery part for
 * express checkout. `context` is { userPath, user, showNotice, refresh }: the
 * phone's control path, its user (for the name on the address), where to say
 * what happened, and what to call once answered.
 */
export function ecomCard(order, { userPath, user, showNotice, refresh }) {
  const card = fromTemplate('request-template')
  card.dataset.testid = 'ecom-order'
  card.classList.add('ecom-request')
  card.dataset.orderId = order.orderId
  setText(card, '.merchant', order.merchantName)
  setText(card, '.description', order.transactionText)
  setText(card, '.expires', `Answer by ${timeOfDay(order.expiresAt)}`)
  const approve = card.querySelector('button.approve')

  let chosen
  const showTotal = () => {
    const total = chosen?.totalAmount ?? order.amount
    setText(card, '.amount', nok(total))
    if (!order.express) return
    setText(card, '.totals-items', nok(order.amount))
    setText(card, '.totals-shipping', chosen ? nok(total - order.amount) : '')
    setText(card, '.ecom-total', nok(total))
  }
  if (order.express) {
    chosen = addDelivery(card, order, user, (option) => {
      chosen = option
      showTotal()
    })
  }
  showTotal()
  // Express checkout cannot be approved without a delivery option.
  const approvable = () => !order.express || chosen !== undefined
  approve.disabled = !approvable()

  const answer = (action) => async () => {
    for (const button of card.querySelectorAll('button')) button.disabled = true
    setText(card, '.request-error', '')
    const body =
      action === 'approve' ? (chosen ? { shippingMethodId: chosen.shippingMethodId } : {}) : undefined
    const result = await api('POST', orderPath(userPath, order, action), body)
    if (result.ok) {
      const paid = result.body?.money?.reserved ?? chosen?.totalAmount ?? order.amount
      showNotice(action === 'approve' ? `Paid ${nok(paid)} to ${order.merchantName}.` : '')
    } else {
      const gone = result.status === 409 && result.body?.title === 'Order is not pending'
      setText(
        card,
        '.request-error',
        gone ? 'This order is no longer waiting for an answer.' : problemMessage(result),
      )
      card.querySelector('button.reject').disabled = false
      approve.disabled = !approvable()
    }
    refresh()
  }
  approve.addEventListener('click', answer('approve'))
  card.querySelector('button.reject').addEventListener('click', answer('reject'))
  return card
}

/**
 * The "Shared with merchants" list: the merchants a user gave their profile
 * to by approving express orders, each with Remove (the merchant's consent
 * removal endpoint is called). Returns `refresh`, for the page to call on start
 * and whenever the phone's stream says something changed.
 */
export function sharedWithMerchants(userPath, showNotice) {
  function item(consent) {
    const row = fromTemplate('shared-template')
    row.dataset.msn = consent.msn
    setText(row, '.shared-initial', (consent.merchantName.trim()[0] ?? '?').toUpperCase())
    setText(row, '.shared-merchant', consent.merchantName)
    setText(row, '.shared-since', `Since ${shortDateTime(consent.givenAt)}`)
    const remove = row.querySelector('button.remove')
    remove.addEventListener('click', async () => {
      remove.disabled = true
      const path = `${userPath}/ecom-consents/${encodeURIComponent(consent.msn)}/remove`
      const result = await api('POST', path)
      showNotice(
        result.ok
          ? `You withdrew your consent. ${consent.merchantName} is told to delete your data.`
          : problemMessage(result),
      )
      remove.disabled = false
      refresh()
    })
    return row
  }

  const refresh = serialised(async () => {
    const result = await api('GET', `${userPath}/ecom-consents`)
    if (!result.ok) return
    const consents = result.body.consents ?? []
    $('shared').replaceChildren(...consents.map(item))
    $('no-shared').hidden = consents.length > 0
  })
  return refresh
}
