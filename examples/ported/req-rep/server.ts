import {Context} from "zocket"

export const sock = new Context().socket("REP")
export const endpoint = sock.bind("tcp://127.0.0.1:*")

async function run() {
  await endpoint

  for await (const [msg] of sock) {
    // parse the message as a number
    const value = parseInt(msg!.toString(), 10)

    // calculate the result and send it back to the client
    const result = 2 * value
    await sock.send(result)
  }
}

run().catch(console.error)
