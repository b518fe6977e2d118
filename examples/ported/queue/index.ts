import {Context} from "zocket"

import {Queue} from "./queue.js"

async function main() {
  const sender = new Context().socket("DEALER")
  const endpoint = await sender.bind("tcp://127.0.0.1:*")
  console.log("sender bound to port 4444")

  const queue = new Queue(sender)

  const sent = Promise.all([
    queue.send("hello"),
    queue.send("world!"),
    queue.send(null),
  ])

  const receiver = new Context().socket("DEALER")
  receiver.connect(endpoint)
  console.log("receiver connected to port 4444")

  for await (const [msg] of receiver) {
    if (msg!.length === 0) {
      receiver.close()
      console.log("received: <empty message>")
    } else {
      console.log(`received: ${msg}`)
    }
  }

  await sent
  sender.close()
}

main().catch(err => {
  console.error(err)
  process.exit(1)
})
